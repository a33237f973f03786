// What a protocol adapter (openaiBackend.ts, ollamaBackend.ts) offers the generator in
// remoteClient.ts: requests in one neutral shape, answers as a stream of raw chunks. The adapters
// own the wire formats and error translation; channels, budgets, stats and the done event are the
// generator's, so every protocol behaves the same there.
import type { StallGuard } from './stallGuard';
import type { RemoteBackendName } from './remoteTypes';

export interface WireChunk {
  /** Reasoning text from the server's own field (`reasoning`, `reasoning_content`, `thinking`). */
  reasoning?: string;
  /** Answer text (or, from a server without a reasoning parser, the whole output with `<think>` tags). */
  content?: string;
  /** The server's finish reason, on the chunk that ends the output. */
  finishReason?: string;
  /** True when the server says a stop string (not the end-of-sequence token) ended the output. */
  stoppedByString?: boolean;
  usage?: { promptTokens?: number; completionTokens?: number };
}

export interface WireSampling {
  temperature?: number;
  topP?: number;
  seed?: number;
  maxTokens: number;
  stop?: string[];
}

export interface WireMessage {
  role: 'user' | 'assistant';
  content: string;
}

export interface WireChatRequest extends WireSampling {
  model: string;
  messages: WireMessage[];
  /** The reasoning budget, for servers that enforce one themselves. */
  maxReasoningTokens?: number;
  /** Continue the last (assistant) message instead of starting a new turn. */
  continueFinal?: boolean;
}

export interface WireCompletionRequest extends WireSampling {
  model: string;
  prompt: string;
  /** The text after the cursor, for servers that build the fill-in-the-middle prompt themselves. */
  suffix?: string;
  /** Send `prompt` as is, without the model's template (Ollama's `raw`). */
  raw?: boolean;
}

/**
 * A protocol adapter. Streams end normally when the server finished (the last chunk carries a
 * finish reason) or when `guard` was aborted by the caller; they throw a RemoteError for everything
 * else, `incomplete` included once an answer has started.
 */
export interface WireBackend {
  readonly name: RemoteBackendName;
  /** How messages name the server ("The server at host:port"). */
  readonly where: string;
  chat(request: WireChatRequest, guard: StallGuard): AsyncIterable<WireChunk>;
  complete(request: WireCompletionRequest, guard: StallGuard): AsyncIterable<WireChunk>;
  listModels(signal?: AbortSignal): Promise<string[]>;
}

/** "The server at host:port", for messages. */
export function describeServer(baseUrl: string): string {
  try {
    return `The server at ${new URL(baseUrl).host}`;
  } catch {
    return `The server at ${baseUrl}`;
  }
}
