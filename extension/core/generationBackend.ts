// The seam every feature generates through. Completions, chat and Explain Selection ask a
// GenerationBackend and nothing else; the local engine host (extension/engine/localEngine.ts) is the
// first implementation. VS Code's own chat models, a remote OpenAI-compatible server and a shared
// per-user engine are meant to be the next ones, which is why a backend states what it can do
// instead of callers inspecting a local ModelInfo.
import type { GenerationStream } from '../../engine/generation/generationStream';
import type { TokenCountInput } from '../../engine/host/protocol';
import type { ModelInfo } from '../../engine/types';
import type { Event } from './emitter';

export interface BackendCapabilities {
  /** The model's name as the backend knows it (config name, remote model id), for logs. */
  modelName: string;
  /** Fill-in-the-middle markers, when the model was trained for FIM; absent: continuation prompts only. */
  fim?: { prefix: string; suffix: string; middle: string };
  /** The model writes a reasoning trace before its answer (R1's `<think>`), streamed on its own channel. */
  reasoning: boolean;
  /** The backend can count prompt tokens; when false, callers estimate with CHARS_PER_TOKEN. */
  tokenCount: boolean;
}

/** What the status bar and the failure notices show, whatever the backend. */
export type BackendState =
  | { kind: 'stopped' }
  | { kind: 'starting' }
  | { kind: 'loading'; modelPath: string }
  /** `rssBytes`: the engine process's resident memory, when measured since the model loaded. */
  | { kind: 'ready'; model: ModelInfo; rssBytes?: number }
  | { kind: 'generating'; model: ModelInfo; tokensPerSecond?: number }
  | { kind: 'restarting'; reason: string; delayMs: number }
  | { kind: 'unavailable'; reason: string }
  | { kind: 'error'; reason: string };

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
