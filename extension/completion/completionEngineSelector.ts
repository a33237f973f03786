// Which engine serves completions: the chat model's by default, or a separate (smaller) model when
// `r1Local.completions.modelPath` names one. The separate client is made on first use and replaced
// when the setting changes, so switching needs no reload.
import type { GenerationEvent, GenerationRequest, ModelInfo } from '../../engine/types';
import type { CompletionEngine } from './completionEngine';

export interface CompletionEngineClient {
  generate(request: GenerationRequest, signal: AbortSignal): AsyncIterable<GenerationEvent>;
  /** The loaded model, once one is. */
  readonly modelInfo: ModelInfo | undefined;
  /** Loads the model now (normally the first generation does). */
  load(): Promise<ModelInfo>;
}

export interface OwnedEngineClient extends CompletionEngineClient {
  dispose(): unknown;
}

export class CompletionEngineSelector implements CompletionEngine {
  private own: { modelPath: string; client: OwnedEngineClient } | undefined;

  constructor(
    private readonly shared: CompletionEngineClient,
    private readonly createClient: (modelPath: string) => OwnedEngineClient,
    /** The completion model folder; '' means the shared (chat) model. */
    private readonly modelPath: () => string,
  ) {}

  generate(request: GenerationRequest, signal: AbortSignal): AsyncIterable<GenerationEvent> {
    return this.current().generate(request, signal);
  }

  get modelInfo(): ModelInfo | undefined {
    return this.current().modelInfo;
  }

  load(): Promise<ModelInfo> {
    return this.current().load();
  }

  /** Whether completions run on a model of their own. */
  get separate(): boolean {
    return this.modelPath() !== '';
  }

  dispose(): void {
    this.own?.client.dispose();
    this.own = undefined;
  }

  private current(): CompletionEngineClient {
    const path = this.modelPath();
    if (path === '') {
      this.dispose();
      return this.shared;
    }
    if (this.own?.modelPath !== path) {
      this.dispose();
      this.own = { modelPath: path, client: this.createClient(path) };
    }
    return this.own.client;
  }
}
