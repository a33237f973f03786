// Download failures as a small set of stable codes, so the CLI and the extension can choose an
// exit code, a message and an action (retry, free space, re-download) without parsing text.

export type DownloadErrorCode =
  | 'not-found' // repository, revision or file does not exist on the hub
  | 'unauthorized' // gated or private repository: a token is needed or was refused
  | 'http' // the hub answered with an unexpected status
  | 'network' // connection failed or dropped and retries ran out
  | 'integrity' // sha256 / size mismatch that re-downloading did not fix
  | 'disk-full' // not enough free space, before or during the download
  | 'io' // any other local file-system failure
  | 'bad-input' // unknown variant, malformed URL, missing destination
  | 'aborted' // the caller cancelled
  | 'locked'; // another process holds the download lock and waiting timed out

export class DownloadError extends Error {
  constructor(
    readonly code: DownloadErrorCode,
    message: string,
    options?: { cause?: unknown; retryable?: boolean },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DownloadError';
    this.retryable = options?.retryable ?? code === 'network';
  }

  /** Worth another attempt: network drops, and statuses a busy server or CDN answers (429, 5xx). */
  readonly retryable: boolean;
}

export function isRetryable(error: unknown): boolean {
  return error instanceof DownloadError && error.retryable;
}

/** The error for an HTTP status the caller did not expect, with the right code and retry flag. */
export function httpStatusError(status: number, what: string): DownloadError {
  if (status === 401 || status === 403) {
    return new DownloadError('unauthorized', `${what}: the hub answered ${status}. The repository may be gated or private: set a token (HF_TOKEN) that has access.`);
  }
  if (status === 404) return new DownloadError('not-found', `${what}: not found on the hub (404). Check the repository, revision and variant.`);
  const retryable = status === 408 || status === 429 || status >= 500;
  return new DownloadError('http', `${what}: unexpected HTTP status ${status}.`, { retryable });
}

export function abortError(): DownloadError {
  return new DownloadError('aborted', 'Download cancelled.');
}

/** A write failure as a DownloadError: ENOSPC/EDQUOT become `disk-full`, with the file named. */
export function fileSystemError(error: unknown, what: string): DownloadError {
  if (error instanceof DownloadError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new DownloadError('disk-full', `Disk full while writing ${what}. Free some space and run the download again; it resumes where it stopped.`, { cause: error });
  }
  const detail = error instanceof Error ? error.message : String(error);
  return new DownloadError('io', `Could not write ${what}: ${detail}`, { cause: error });
}
