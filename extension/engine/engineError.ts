// The one error type the engine backends throw: callers branch on `code`, never on message text.
import type { HostErrorCode } from '../../engine/host/protocol';

export class EngineError extends Error {
  constructor(
    readonly code: HostErrorCode,
    message: string,
    /** The engine's finer code, e.g. the ModelLoadError code of a `load_failed` (`corrupt-file`, …). */
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
