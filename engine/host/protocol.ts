// The extension ⇄ engine host boundary: messages sent over the child process IPC channel.
// Type-only. What arrives is validated at each end: requests by decodeRequest.ts in the host,
// messages by extension/engine/hostMessages.ts in the extension.
import type { ChatMessage, GenerationEvent, GenerationRequest, LoadOptions, ModelInfo } from '../types';

/** Bumped whenever a message changes shape; the host announces it in `hello`. */
export type HostProtocolVersion = 1;

/** Stable error codes: callers branch on these, never on message text. */
export type HostErrorCode =
  /** The message did not match the protocol. */
  | 'bad_request'
  /** The queue is full: try again later. Answered at once, never queued. */
  | 'busy'
  /** A newer completion replaced this one. */
  | 'superseded'
  /** No model is loaded and the request could not load one. */
  | 'no_model'
  /** Loading the model failed (missing files, bad ONNX, provider error). */
  | 'load_failed'
  /** The engine failed while generating. */
  | 'generation_failed'
  /** The host process exited or was killed while the request was pending. */
  | 'host_crashed'
  /** The host crashed repeatedly; restarting stopped until the user retries. */
  | 'host_unavailable'
  /** A single model step ran longer than the watchdog allows; the host was killed. */
  | 'step_timeout'
  /** The model is not allowed to load here (untrusted workspace). */
  | 'untrusted'
  /** The request was cancelled by its caller before it produced a result. */
  | 'cancelled';

export interface HostError {
  code: HostErrorCode;
  message: string;
  /**
   * The engine's finer code, when it has one: for `load_failed`, the ModelLoadError code
   * (`incomplete-download`, `corrupt-file`, `not-a-model`, …) that decides whether to offer a re-download.
   */
  detail?: string;
}

export type HostModelState = 'unloaded' | 'loading' | 'ready';

export interface HostStatus {
  pid: number;
  modelState: HostModelState;
  model?: ModelInfo;
  /** Resident set size of the host process, bytes. */
  rssBytes: number;
  /** Requests waiting to run (not yet started). */
  queued: number;
  /** Requests started and not finished (a paused chat counts). */
  active: number;
  /** Set by the shared engine (one process per user for every window, engine/daemon/); absent for a window's own host. */
  shared?: SharedEngineStatus;
}

/** Who uses the shared engine process. */
export interface SharedEngineStatus {
  /** VS Code windows connected, the asking one included (`r1-local status` is not counted). */
  windows: number;
  /** Model folders in use, each loaded once, and how many windows use each. */
  models: Array<{ modelPath: string; windows: number }>;
  uptimeMs: number;
}

/** What `countTokens` measures: a bare string, or what one chat message adds to a prompt. */
export type TokenCountInput = { type: 'text'; text: string } | { type: 'message'; message: ChatMessage };

/** What each extension → host request carries besides its type and id. */
export interface HostRequestBodies {
  generate: { request: GenerationRequest };
  /** Stop request `target`; its stream ends with a `done` whose finish reason is `aborted`. */
  cancel: { target: number };
  /** Load (or replace) the model. Requests already running on the old model are aborted. */
  load: { options: LoadOptions };
  unload: object;
  status: object;
  /** Tokens of `input` with the tokenizer of the folder `modelPath`; needs no loaded model. */
  countTokens: { modelPath: string; input: TokenCountInput };
  /** Exit cleanly after freeing the model. */
  shutdown: object;
}

/** Extension → host. Every request carries a caller-chosen id unique per host process. */
export type HostRequest = { [K in keyof HostRequestBodies]: { type: K; id: number } & HostRequestBodies[K] }[keyof HostRequestBodies];

/** Results of the request types that answer once (`generate` streams events instead). */
export type HostResults = {
  load: ModelInfo;
  status: HostStatus;
  countTokens: number;
} & Record<'unload' | 'cancel' | 'shutdown', null>;

/** Host → extension. */
export type HostMessage =
  /** First message after start: the host is ready for requests. */
  | { type: 'hello'; version: HostProtocolVersion; pid: number }
  /** One streamed event of a `generate`; the stream ends after its `done` event. */
  | { type: 'event'; id: number; event: GenerationEvent }
  | { type: 'result'; id: number; result: HostResults[keyof HostResults] }
  | { type: 'error'; id: number; error: HostError }
  /**
   * Sent between model steps when nothing else was sent for a while, so the extension's watchdog
   * can tell a long generation from a host stuck inside one native call.
   */
  | { type: 'alive'; busy: boolean };
