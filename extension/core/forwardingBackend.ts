// A backend that stands for another chosen at each call: the backend switch (local or remote) and
// the completion backend (the chat model's or its own). Every call goes to whichever `current()`
// picks at that moment; the subclass forwards the state changes of the backends it may pick.
import type { TokenCountInput } from '../../engine/host/protocol';
import type { GenerationEvent, GenerationRequest } from '../../engine/types';
import { Emitter } from './emitter';
import type { BackendCapabilities, BackendState, GenerationBackend } from './generationBackend';

export abstract class ForwardingBackend implements GenerationBackend {
  protected readonly states = new Emitter<BackendState>();
  readonly onDidChangeState = this.states.event;

  /** `cannotCount`: the error's message when the chosen backend has no token count. */
  protected constructor(private readonly cannotCount: string) {}

  /** The backend this call goes to. */
  protected abstract current(): GenerationBackend;

  get state(): BackendState {
    return this.current().state;
  }

  get capabilities(): BackendCapabilities | undefined {
    return this.current().capabilities;
  }

  prepare(): Promise<BackendCapabilities> {
    return this.current().prepare();
  }

  generate(request: GenerationRequest, signal: AbortSignal): AsyncIterable<GenerationEvent> {
    return this.current().generate(request, signal);
  }

  countTokens(input: TokenCountInput): Promise<number> {
    const backend = this.current();
    if (!backend.countTokens) return Promise.reject(new Error(this.cannotCount));
    return backend.countTokens(input);
  }

  dispose(): void {
    this.states.dispose();
  }
}
