// Scheduling policy of the engine host, as pure functions over plain data (no model, no timers),
// so every rule is unit-tested on its own. The runner (hostRunner.ts) applies the decisions.
//
// Rules:
// - One model step at a time: the runner asks `pickNext` before every step.
// - Completions first: a user is waiting on every keystroke. A started chat or explain is
//   paused between decode steps (its generator keeps its KV slot) and resumes afterwards.
// - A newer completion supersedes every older one of the same client, queued or running: the old
//   text is stale. Clients are the windows of a shared engine or the callers of `r1-local serve`;
//   one client's typing never cancels another's completion.
// - Chat and explain run one at a time, oldest first; a started one finishes before the next starts
//   (they may share a KV slot, and interleaving them would only delay both).
// - The queue of not-yet-started requests is bounded: a full queue answers `busy` at once.
// - A cancelled request that already started takes the very next step, so its generator sees the
//   abort and frees its state within one decode step, even if it was paused.
import type { RequestKind } from '../types';

export type TaskPhase = 'queued' | 'started';

export interface ScheduledTask {
  readonly id: number;
  readonly kind: RequestKind;
  /** Who sent it (a window, an HTTP request); supersession applies within one client only. */
  readonly client: string;
  /** Arrival order. */
  readonly seq: number;
  readonly phase: TaskPhase;
  /** Cancelled or superseded after it started: it gets one last step to observe the abort. */
  readonly cancelled?: boolean;
}

export interface SchedulerState {
  readonly tasks: readonly ScheduledTask[];
  readonly nextSeq: number;
}

export interface SchedulerLimits {
  /** Most requests that may wait without having started. */
  readonly maxQueued: number;
}

export type Admission =
  | { accepted: true; state: SchedulerState; superseded: number[] }
  | { accepted: false; reason: 'busy' | 'duplicate_id' };

/** The client of a host that serves one window only. */
export const DEFAULT_CLIENT = 'default';

export const emptySchedule: SchedulerState = { tasks: [], nextSeq: 0 };

/**
 * Decides whether a new request may enter, and which older requests it replaces. Replaced requests
 * that had not started are gone from the returned state; started ones are marked cancelled.
 */
export function admit(state: SchedulerState, request: { id: number; kind: RequestKind; client?: string }, limits: SchedulerLimits): Admission {
  if (state.tasks.some((t) => t.id === request.id)) return { accepted: false, reason: 'duplicate_id' };
  const client = request.client ?? DEFAULT_CLIENT;
  const superseded =
    request.kind === 'completion' ? state.tasks.filter((t) => t.kind === 'completion' && t.client === client && !t.cancelled).map((t) => t.id) : [];
  let next: SchedulerState = state;
  for (const id of superseded) next = cancel(next, id);
  const waiting = next.tasks.filter((t) => t.phase === 'queued').length;
  if (waiting >= limits.maxQueued) return { accepted: false, reason: 'busy' };
  const task: ScheduledTask = { id: request.id, kind: request.kind, client, seq: next.nextSeq, phase: 'queued' };
  return { accepted: true, state: { tasks: [...next.tasks, task], nextSeq: next.nextSeq + 1 }, superseded };
}

/** Cancels a task: a queued one simply leaves; a started one is marked to take its last step next. */
export function cancel(state: SchedulerState, id: number): SchedulerState {
  const task = state.tasks.find((t) => t.id === id);
  if (!task) return state;
  if (task.phase === 'queued') return remove(state, id);
  return { ...state, tasks: state.tasks.map((t) => (t.id === id ? { ...t, cancelled: true } : t)) };
}

function oldest(tasks: readonly ScheduledTask[]): ScheduledTask | undefined {
  return tasks.reduce<ScheduledTask | undefined>((best, t) => (best === undefined || t.seq < best.seq ? t : best), undefined);
}

function newest(tasks: readonly ScheduledTask[]): ScheduledTask | undefined {
  return tasks.reduce<ScheduledTask | undefined>((best, t) => (best === undefined || t.seq > best.seq ? t : best), undefined);
}

/** The task whose generator should take the next step, or undefined when there is nothing to do. */
export function pickNext(state: SchedulerState): ScheduledTask | undefined {
  const dying = oldest(state.tasks.filter((t) => t.cancelled));
  if (dying) return dying;
  const completion = newest(state.tasks.filter((t) => t.kind === 'completion'));
  if (completion) return completion;
  const others = state.tasks.filter((t) => t.kind !== 'completion');
  return oldest(others.filter((t) => t.phase === 'started')) ?? oldest(others);
}

/** Marks a task as started (its generator exists and holds state from now on). */
export function markStarted(state: SchedulerState, id: number): SchedulerState {
  return { ...state, tasks: state.tasks.map((t) => (t.id === id ? { ...t, phase: 'started' } : t)) };
}

/** Removes a finished, failed or cancelled task. */
export function remove(state: SchedulerState, id: number): SchedulerState {
  return { ...state, tasks: state.tasks.filter((t) => t.id !== id) };
}

/** Started tasks that are not the one running next: paused between decode steps. */
export function pausedTasks(state: SchedulerState): ScheduledTask[] {
  const next = pickNext(state);
  return state.tasks.filter((t) => t.phase === 'started' && t.id !== next?.id);
}

export function countByPhase(state: SchedulerState): { queued: number; started: number } {
  const queued = state.tasks.filter((t) => t.phase === 'queued').length;
  return { queued, started: state.tasks.length - queued };
}
