// The backend every feature holds: the local engine or a remote server, as `r1Local.backend` says at
// the moment of each call, so switching the setting needs no reload. The remote backend is made on
// first use and dropped when its settings or API key change (`reconfigure`); requests still running
// on a dropped one are aborted with it. The local engine is owned by the services, not by this.
import { Emitter, type Disposable } from '../emitter';
import { ForwardingBackend } from '../forwardingBackend';
import type { GenerationBackend } from '../generationBackend';

export type BackendChoice = 'local' | 'openai-compatible';

export interface DisposableBackend extends GenerationBackend {
  dispose(): void;
}

/** Its state events: the chosen backend's state changes, and a switch between backends. */
export class BackendSwitch<Remote extends DisposableBackend = DisposableBackend> extends ForwardingBackend {
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
    super('this backend cannot count tokens; callers estimate');
    this.localForward = local.onDidChangeState((state) => {
      if (this.choice() === 'local') this.states.fire(state);
    });
  }

  get kind(): BackendChoice {
    return this.choice();
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

  override dispose(): void {
    this.dropRemote();
    this.localForward.dispose();
    super.dispose();
    this.created.dispose();
  }

  protected current(): GenerationBackend {
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
