// What a remote request failure is, for everything above the remote client: the client's RemoteError
// (engine/remote/remoteError.ts) read through the fields of its contract, plus the two refusals the
// backend makes itself before any request leaves (plain http declined, a server with no models).
// Read by fields rather than by class so this layer does not depend on how the client builds them.
import type { RemoteErrorCode, RemoteErrorInfo } from '../../../engine/remote/remoteTypes';

export type RemoteFailureCode =
  | RemoteErrorCode
  /** The user declined sending code over plain http to a non-loopback host. */
  | 'insecure_declined'
  /** The server's model list is empty and no model is configured. */
  | 'no_models'
  /** r1Local.remote.endpoint is not an http(s) URL (or carries credentials). */
  | 'bad_endpoint';

export interface RemoteFailureInfo extends Omit<RemoteErrorInfo, 'code'> {
  code: RemoteFailureCode;
}

/** Every code, so a duck-typed error is recognised only by a code of the contract. */
const CODES: Record<RemoteFailureCode, true> = {
  connection_refused: true,
  dns: true,
  unauthorized: true,
  model_not_found: true,
  rate_limited: true,
  server_error: true,
  bad_request: true,
  timeout: true,
  incomplete: true,
  network: true,
  redirected: true,
  insecure_declined: true,
  no_models: true,
  bad_endpoint: true,
};

/** A failure the remote backend raises itself, with the same fields as the client's RemoteError. */
export class RemoteFailure extends Error implements RemoteFailureInfo {
  readonly code: RemoteFailureCode;
  readonly status?: number;
  readonly retryAfterMs?: number;
  readonly availableModels?: string[];

  constructor(info: RemoteFailureInfo) {
    super(info.message);
    this.name = 'RemoteFailure';
    this.code = info.code;
    this.status = info.status;
    this.retryAfterMs = info.retryAfterMs;
    this.availableModels = info.availableModels;
  }
}

/** The failure's fields when `e` is a remote failure (the client's or the backend's), else undefined. */
export function remoteFailureOf(e: unknown): RemoteFailureInfo | undefined {
  if (!(e instanceof Error)) return undefined;
  const code = (e as { code?: unknown }).code;
  if (typeof code !== 'string' || !Object.hasOwn(CODES, code)) return undefined;
  const fields = e as Partial<RemoteFailureInfo>;
  return {
    code: code as RemoteFailureCode,
    message: e.message,
    status: typeof fields.status === 'number' ? fields.status : undefined,
    retryAfterMs: typeof fields.retryAfterMs === 'number' ? fields.retryAfterMs : undefined,
    availableModels: Array.isArray(fields.availableModels) ? fields.availableModels.filter((m): m is string => typeof m === 'string') : undefined,
  };
}
