// The seam every feature generates through. Completions, chat and Explain Selection ask a
// GenerationBackend and nothing else; the local engine host (extension/engine/localEngine.ts) is the
// first implementation. VS Code's own chat models, a remote OpenAI-compatible server and a shared
// per-user engine are meant to be the next ones, which is why a backend states what it can do
// instead of callers inspecting a local ModelInfo.
import type { GenerationStream } from '../../engine/generation/generationStream';
import type { TokenCountInput } from '../../engine/host/protocol';
import type { RemoteApi, RemoteBackendName } from '../../engine/remote/remoteTypes';
import type { ModelInfo } from '../../engine/types';
import type { Event } from './emitter';

export interface BackendCapabilities {
  /** The model's name as the backend knows it (config name, remote model id), for logs. */
  modelName: string;
  /** Fill-in-the-middle markers, when the model was trained for FIM; absent: continuation prompts only. */
  fim?: { prefix: string; suffix: string; middle: string };
  /**
   * The backend takes both sides of the cursor as an `infill` prompt and builds the model's prompt
   * itself (a server's `suffix` parameter, or a FIM prompt made by the remote client). Wins over `fim`.
   */
  infill?: boolean;
  /** The model writes a reasoning trace before its answer (R1's `<think>`), streamed on its own channel. */
  reasoning: boolean;
  /** The backend can count prompt tokens; when false, callers estimate with CHARS_PER_TOKEN. */
  tokenCount: boolean;
  /** Who answers, for the chat's "answered by" line; absent: the local engine. */
  origin?: { backend: RemoteBackendName; host: string };
}

/** The server a remote backend talks to, as the status bar shows it. */
export interface RemoteServer {
  backendName: RemoteBackendName;
  /** The base URL as configured (no credentials: an API key lives in SecretStorage). */
  endpoint: string;
  /** Host (and port, when not the scheme's default) of `endpoint`. */
  host: string;
  api: RemoteApi;
  /** The chat model: as configured, or the server's first once `prepare()` asked; undefined before that. */
  model?: string;
}

/** What the status bar and the failure notices show, whatever the backend. */
export type BackendState =
  | { kind: 'stopped' }
  | { kind: 'starting' }
  | { kind: 'loading'; modelPath: string }
  /**
   * `rssBytes`: the engine process's resident memory, when measured since the model loaded.
   * `sharedWith`: windows using that process (the shared engine), this one included; absent for a window's own.
   */
  | { kind: 'ready'; model: ModelInfo; rssBytes?: number; sharedWith?: number }
  | { kind: 'generating'; model: ModelInfo; tokensPerSecond?: number }
  | { kind: 'restarting'; reason: string; delayMs: number }
  | { kind: 'unavailable'; reason: string }
  | { kind: 'error'; reason: string }
  /**
   * A server generates: there is no process or model file here to describe, so no ModelInfo. `phase`
   * follows the requests; `lastError` is the last failure, cleared by the next success.
   */
  | { kind: 'remote'; server: RemoteServer; phase: 'idle' | 'connecting' | 'ready' | 'generating'; lastError?: string };

export interface GenerationBackend extends GenerationStream {
  readonly state: BackendState;
  readonly onDidChangeState: Event<BackendState>;
  /** Known once the model is ready; undefined before (a local model has not loaded yet). */
  readonly capabilities: BackendCapabilities | undefined;
  /** Makes the model ready (loads it, connects) and says what it can do. */
  prepare(): Promise<BackendCapabilities>;
  /** Tokens of `input` with the model's own tokenizer; absent where the backend cannot count (`tokenCount: false`). */
  countTokens?(input: TokenCountInput): Promise<number>;
}
