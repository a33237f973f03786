// Which backend serves completions: the chat model's by default, or a separate (smaller) model when
// `r1Local.completions.modelPath` names one. The separate backend is made on first use and replaced
// when the setting changes, so switching needs no reload; its model info is its own, so the next
// completion after a switch is built for the new model's prompt format.
import type { TokenCountInput } from '../../../engine/host/protocol';
import type { GenerationEvent, GenerationRequest } from '../../../engine/types';
import { Emitter } from '../emitter';
import type { BackendCapabilities, BackendState, GenerationBackend } from '../generationBackend';

/** What the completion pipeline uses of a backend. */
export type CompletionBackend = Pick<GenerationBackend, 'generate' | 'capabilities' | 'prepare'>;

export interface OwnedBackend extends GenerationBackend {
  dispose(): unknown;
}

export class CompletionBackendSelector implements GenerationBackend {
  private own: { modelPath: string; backend: OwnedBackend; forward: { dispose(): void } } | undefined;
  private readonly states = new Emitter<BackendState>();
  readonly onDidChangeState = this.states.event;
  private readonly sharedForward: { dispose(): void };

  constructor(
    private readonly shared: GenerationBackend,
    private readonly create: (modelPath: string) => OwnedBackend,
    /** The completion model folder; '' means the shared (chat) model. */
    private readonly modelPath: () => string,
  ) {
    this.sharedForward = shared.onDidChangeState((state) => {
      if (this.modelPath() === '') this.states.fire(state);
    });
  }

  generate(request: GenerationRequest, signal: AbortSignal): AsyncIterable<GenerationEvent> {
    return this.current().generate(request, signal);
  }

  get state(): BackendState {
    return this.current().state;
  }

  get capabilities(): BackendCapabilities | undefined {
    return this.current().capabilities;
  }

  prepare(): Promise<BackendCapabilities> {
    return this.current().prepare();
  }

  /** The completion model's count, for its vscode.lm entry. */
  countTokens(input: TokenCountInput): Promise<number> {
    const backend = this.current();
    if (!backend.countTokens) return Promise.reject(new Error('this completion backend cannot count tokens'));
    return backend.countTokens(input);
  }

  dispose(): void {
    this.release();
    this.sharedForward.dispose();
    this.states.dispose();
  }

  private release(): void {
    this.own?.forward.dispose();
    this.own?.backend.dispose();
    this.own = undefined;
  }

  private current(): GenerationBackend {
    const path = this.modelPath();
    if (path === '') {
      this.release();
      return this.shared;
    }
    if (this.own?.modelPath !== path) {
      this.release();
      const backend = this.create(path);
      this.own = { modelPath: path, backend, forward: backend.onDidChangeState((state) => this.states.fire(state)) };
    }
    return this.own.backend;
  }
}
