// A generate request inside the host runner, from admission to its last message, and what one pull
// from its stream means for the caller. The rules for ending a request live here in one pure
// function instead of spread over the runner's exits.
import type { GenerationEvent, GenerationRequest } from '../types';
import type { HostErrorCode } from './protocol';

export interface StopReason {
  code: HostErrorCode;
  message: string;
}

export interface RequestStatus {
  readonly request: GenerationRequest;
  readonly abort: AbortController;
  /** Set once the engine started it (it then holds a KV slot until its stream ends). */
  iterator?: AsyncIterator<GenerationEvent>;
  /** Why it was stopped, when the caller did not stop it itself. */
  stop?: StopReason;
}

/** The result of pulling one event: its value, or what the pull threw. */
export type Pulled = { ok: true; result: IteratorResult<GenerationEvent> } | { ok: false; error: unknown };

export type StepOutcome =
  /** A delta to pass on; the request goes on. */
  | { kind: 'event'; event: GenerationEvent }
  /** The request ended with this `done` event. */
  | { kind: 'done'; event: GenerationEvent }
  /** The request ended with this error. */
  | { kind: 'failed'; error: StopReason };

const cancelled: StopReason = { code: 'cancelled', message: 'cancelled' };

/** `abortedBefore`: the request was already aborted when this pull started. */
export function judgeStep(status: RequestStatus, pulled: Pulled, abortedBefore: boolean): StepOutcome {
  if (!pulled.ok) {
    if (status.abort.signal.aborted) return { kind: 'failed', error: status.stop ?? cancelled };
    return { kind: 'failed', error: { code: 'generation_failed', message: pulled.error instanceof Error ? pulled.error.message : String(pulled.error) } };
  }
  if (pulled.result.done) return { kind: 'failed', error: { code: 'generation_failed', message: 'the engine ended the stream without a `done` event' } };
  const event = pulled.result.value;
  if (event.type === 'done') {
    // A superseded or unloaded request ends with an error, so its caller never mistakes it for a result.
    const stop = status.stop;
    if (stop && (stop.code === 'superseded' || stop.code === 'generation_failed')) return { kind: 'failed', error: stop };
    return { kind: 'done', event };
  }
  // The engine kept going after the abort: end it here rather than let it hold its slot.
  if (abortedBefore) return { kind: 'failed', error: status.stop ?? cancelled };
  return { kind: 'event', event };
}
