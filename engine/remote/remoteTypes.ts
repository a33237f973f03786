// The contract of the remote client (engine/remote): what the extension's remote backend and the
// CLI's `--endpoint` mode hand it, and what it reports back. Type-only.
import type { GenerationStream } from '../generation/generationStream';

/** Which protocol the server speaks: the OpenAI-compatible API (SSE), or Ollama's native API (NDJSON). */
export type RemoteApi = 'openai' | 'ollama';

/**
 * How a completion tells the server about the text after the cursor: `suffix` (Ollama,
 * llama-server, `r1-local serve`), a fill-in-the-middle prompt built here (`prompt`; vLLM has no
 * `suffix`), `off` (continuation only), or `auto` (try `suffix`, fall back to `prompt` once the
 * server refuses it, and remember).
 */
export type FimMode = 'auto' | 'suffix' | 'prompt' | 'off';

export interface RemoteEndpointConfig {
  /** Base URL ending in `/v1`. Ollama's native API lives at the same origin under `/api`. */
  baseUrl: string;
  api: RemoteApi;
  /** Sent as `Authorization: Bearer …`; never logged. */
  apiKey?: string;
  /** Model for chat and explain; '' → the first model of the server's `/v1/models` (or `/api/tags`). */
  chatModel: string;
  /** Model for completions; '' → `chatModel`. */
  completionModel: string;
  fim: FimMode;
  /** Time to the first byte of a response before it fails with `timeout`. */
  firstByteTimeoutMs: number;
}

/** Stable codes: callers choose the message's action (Set API Key, pick a model, retry) from these. */
export type RemoteErrorCode =
  /** Nothing listens at the address (ECONNREFUSED). */
  | 'connection_refused'
  /** The host name does not resolve (ENOTFOUND, EAI_AGAIN). */
  | 'dns'
  /** 401 or 403: a missing or wrong API key. */
  | 'unauthorized'
  /** 404 for the model (or the endpoint): `availableModels` lists what `/v1/models` offers, when it answered. */
  | 'model_not_found'
  /** 429: `retryAfterMs` from `Retry-After` when the server sent it. */
  | 'rate_limited'
  /** 5xx. */
  | 'server_error'
  /** Another 4xx (the server refused the request's shape). */
  | 'bad_request'
  /** No first byte within `firstByteTimeoutMs`. */
  | 'timeout'
  /** The stream broke off, or ended without a finish reason or `[DONE]`: what arrived is partial. */
  | 'incomplete'
  /** The server answered with a redirect, which is not followed (it would re-send the request body elsewhere). */
  | 'redirected'
  /** Other network failures (reset before any answer, TLS). */
  | 'network';

export interface RemoteErrorInfo {
  code: RemoteErrorCode;
  message: string;
  /** HTTP status, when there was a response. */
  status?: number;
  retryAfterMs?: number;
  availableModels?: string[];
}

/** The name a backend answers under: the chat shows it, `--json` prints it. */
export type RemoteBackendName = 'openai-compatible' | 'ollama';

/**
 * A remote server as a GenerationStream: chat/explain prompts (`chat`) go to the chat endpoint with
 * reasoning split into its own channel; completion prompts (`text`, `infill`) to the completion
 * endpoint. Failures throw a RemoteError (remoteError.ts) carrying RemoteErrorInfo; deltas already
 * yielded before an `incomplete` error are the partial answer.
 */
export interface RemoteGenerator extends GenerationStream {
  readonly backendName: RemoteBackendName;
  /** The models the server offers (`/v1/models`, or `/api/tags` for Ollama). */
  listModels(signal?: AbortSignal): Promise<string[]>;
}
