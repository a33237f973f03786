// The backend every feature holds: the local engine or a remote server, as `r1Local.backend` says at
// the moment of each call, so switching the setting needs no reload. The remote backend is made on
// first use and dropped when its settings or API key change (`reconfigure`); requests still running
// on a dropped one are aborted with it. The local engine is owned by the services, not by this.
import type { TokenCountInput } from '../../../engine/host/protocol';
import type { GenerationEvent, GenerationRequest } from '../../../engine/types';
import { Emitter, type Disposable } from '../emitter';
import type { BackendCapabilities, BackendState, GenerationBackend } from '../generationBackend';

export type BackendChoice = 'local' | 'openai-compatible';

export interface DisposableBackend extends GenerationBackend {
  dispose(): void;
}

export class BackendSwitch<Remote extends DisposableBackend = DisposableBackend> implements GenerationBackend {
  private readonly states = new Emitter<BackendState>();
  /** The chosen backend's state changes, and a switch between backends. */
  readonly onDidChangeState = this.states.event;
  private readonly created = new Emitter<Remote>();
  /** A new remote backend was made (its failures are worth subscribing to). */
  readonly onDidCreateRemote = this.created.event;
  private remote: { backend: Remote; forward: Disposable } | undefined;
  private readonly localForward: Disposable;

  constructor(
    private readonly local: GenerationBackend,
    private readonly createRemote: () => Remote,
    private readonly choice: () => BackendChoice,
  ) {
    this.localForward = local.onDidChangeState((state) => {
      if (this.choice() === 'local') this.states.fire(state);
    });
  }

  get kind(): BackendChoice {
    return this.choice();
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

  generate(request: GenerationRequest, signal: AbortSignal): AsyncIterable<GenerationEvent> {
    return this.current().generate(request, signal);
  }

  countTokens(input: TokenCountInput): Promise<number> {
    const backend = this.current();
    if (!backend.countTokens) return Promise.reject(new Error('this backend cannot count tokens; callers estimate'));
    return backend.countTokens(input);
  }

  /** The remote backend in use, made if needed; undefined while the local engine is chosen. */
  remoteBackend(): Remote | undefined {
    return this.choice() === 'local' ? undefined : this.ensureRemote();
  }

  /** The backend setting, a remote setting or the API key changed: the next call uses the new configuration. */
  reconfigure(): void {
    this.dropRemote();
    this.states.fire(this.state);
  }

  dispose(): void {
    this.dropRemote();
    this.localForward.dispose();
    this.states.dispose();
    this.created.dispose();
  }

  private current(): GenerationBackend {
    if (this.choice() === 'local') {
      // Nothing runs on a server nobody asks; it is made again when chosen again.
      this.dropRemote();
      return this.local;
    }
    return this.ensureRemote();
  }

  private ensureRemote(): Remote {
    if (!this.remote) {
      const backend = this.createRemote();
      this.remote = { backend, forward: backend.onDidChangeState((state) => this.states.fire(state)) };
      this.created.fire(backend);
    }
    return this.remote.backend;
  }

  private dropRemote(): void {
    this.remote?.forward.dispose();
    this.remote?.backend.dispose();
    this.remote = undefined;
  }
}
