// Which backend serves completions: the chat model's by default, or a separate (smaller) model when
// `r1Local.completions.modelPath` names one. The separate backend is made on first use and replaced
// when the setting changes, so switching needs no reload; its model info is its own, so the next
// completion after a switch is built for the new model's prompt format.
import { ForwardingBackend } from '../forwardingBackend';
import type { GenerationBackend } from '../generationBackend';

/** What the completion pipeline uses of a backend. */
export type CompletionBackend = Pick<GenerationBackend, 'generate' | 'capabilities' | 'prepare'>;

export interface OwnedBackend extends GenerationBackend {
  dispose(): unknown;
}

/** Its token count is the completion model's, for its vscode.lm entry. */
export class CompletionBackendSelector extends ForwardingBackend {
  private own: { modelPath: string; backend: OwnedBackend; forward: { dispose(): void } } | undefined;
  private readonly sharedForward: { dispose(): void };

  constructor(
    private readonly shared: GenerationBackend,
    private readonly create: (modelPath: string) => OwnedBackend,
    /** The completion model folder; '' means the shared (chat) model. */
    private readonly modelPath: () => string,
  ) {
    super('this completion backend cannot count tokens');
    this.sharedForward = shared.onDidChangeState((state) => {
      if (this.modelPath() === '') this.states.fire(state);
    });
  }

  override dispose(): void {
    this.release();
    this.sharedForward.dispose();
    super.dispose();
  }

  private release(): void {
    this.own?.forward.dispose();
    this.own?.backend.dispose();
    this.own = undefined;
  }

  protected current(): GenerationBackend {
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
