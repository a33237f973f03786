// The one error a remote server's failure becomes. Callers branch on `code` (stable, see
// RemoteErrorCode) to pick the action they offer; the message is written for a person and never
// contains the API key.
import type { RemoteErrorCode, RemoteErrorInfo } from './remoteTypes';

export class RemoteError extends Error implements RemoteErrorInfo {
  override readonly name = 'RemoteError';
  readonly code: RemoteErrorCode;
  readonly status?: number;
  readonly retryAfterMs?: number;
  readonly availableModels?: string[];

  constructor(info: RemoteErrorInfo, options?: { cause?: unknown }) {
    super(info.message, options);
    this.code = info.code;
    if (info.status !== undefined) this.status = info.status;
    if (info.retryAfterMs !== undefined) this.retryAfterMs = info.retryAfterMs;
    if (info.availableModels !== undefined) this.availableModels = info.availableModels;
  }

  /** The plain fields, for a protocol message or `--json` (an Error's own fields do not serialise). */
  toInfo(): RemoteErrorInfo {
    const info: RemoteErrorInfo = { code: this.code, message: this.message };
    if (this.status !== undefined) info.status = this.status;
    if (this.retryAfterMs !== undefined) info.retryAfterMs = this.retryAfterMs;
    if (this.availableModels !== undefined) info.availableModels = this.availableModels;
    return info;
  }
}

/** True for a RemoteError, also one made by another copy of this module (a second bundle). */
export function isRemoteError(e: unknown): e is RemoteError {
  return e instanceof RemoteError || (e instanceof Error && e.name === 'RemoteError' && typeof (e as { code?: unknown }).code === 'string');
}
