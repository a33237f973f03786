// The engine host's lifecycle as one value, changed only by `reduce`. Before this, six mutable
// fields encoded it and disagreed: an unload kept the loaded model's info, so the next completion
// was built with the previous model's prompt format. Here "which model is loaded" exists only
// inside the `running` phase, so leaving that phase forgets it by construction.
import type { ModelInfo } from '../../engine/types';
import { decideRestart, recentCrashes, type RestartPolicy } from './restartPolicy';

export type ModelState =
  | { kind: 'none' }
  | { kind: 'loading'; key: string; modelPath: string }
  | { kind: 'loaded'; key: string; info: ModelInfo }
  | { kind: 'failed'; key: string; reason: string };

export type Phase =
  /** No process. The next request starts one. */
  | { kind: 'none' }
  | { kind: 'starting' }
  | { kind: 'running'; pid: number; model: ModelState }
  /** Asked to exit; a new process starts only after this one is gone. */
  | { kind: 'stopping'; pid: number }
  /** Crashed; a timer brings it back. `reload`: a model was loaded, so load it again right away. */
  | { kind: 'restarting'; reason: string; delayMs: number; reload: boolean }
  /** Crashed too often: nothing starts until the user retries. */
  | { kind: 'gaveUp'; reason: string };

export interface Lifecycle {
  readonly phase: Phase;
  /** Times of the crashes still inside the restart policy's window. */
  readonly crashes: readonly number[];
}

export type LifecycleEvent =
  | { type: 'startRequested' }
  | { type: 'started'; pid: number }
  | { type: 'loadRequested'; key: string; modelPath: string }
  | { type: 'loaded'; key: string; info: ModelInfo }
  | { type: 'loadFailed'; key: string; reason: string }
  | { type: 'stopRequested' }
  /** The process ended (or never started: no pid). `expected`: we asked it to, or it exited cleanly. */
  | { type: 'exited'; pid?: number; expected: boolean; reason: string; at: number }
  | { type: 'restartDue' }
  | { type: 'retried' };

export const initialLifecycle: Lifecycle = { phase: { kind: 'none' }, crashes: [] };

export function reduce(state: Lifecycle, event: LifecycleEvent, policy: RestartPolicy): Lifecycle {
  const { phase } = state;
  const to = (next: Phase): Lifecycle => ({ ...state, phase: next });
  switch (event.type) {
    case 'startRequested':
      return phase.kind === 'none' ? to({ kind: 'starting' }) : state;
    case 'started':
      return phase.kind === 'starting' ? to({ kind: 'running', pid: event.pid, model: { kind: 'none' } }) : state;
    case 'loadRequested':
      if (phase.kind !== 'running') return state;
      return to({ ...phase, model: { kind: 'loading', key: event.key, modelPath: event.modelPath } });
    case 'loaded':
    case 'loadFailed': {
      // A load of a model replaced meanwhile says nothing about the current one.
      if (phase.kind !== 'running' || phase.model.kind !== 'loading' || phase.model.key !== event.key) return state;
      const model: ModelState = event.type === 'loaded' ? { kind: 'loaded', key: event.key, info: event.info } : { kind: 'failed', key: event.key, reason: event.reason };
      return to({ ...phase, model });
    }
    case 'stopRequested':
      return phase.kind === 'running' ? to({ kind: 'stopping', pid: phase.pid }) : state;
    case 'exited':
      return exited(state, event, policy);
    case 'restartDue':
      return phase.kind === 'restarting' ? to({ kind: 'none' }) : state;
    case 'retried':
      return { phase: phase.kind === 'gaveUp' ? { kind: 'none' } : phase, crashes: [] };
  }
}

function exited(state: Lifecycle, event: Extract<LifecycleEvent, { type: 'exited' }>, policy: RestartPolicy): Lifecycle {
  const { phase } = state;
  const current = phase.kind === 'starting' ? event.pid === undefined : (phase.kind === 'running' || phase.kind === 'stopping') && phase.pid === event.pid;
  if (!current) return state;
  if (event.expected || phase.kind === 'stopping') return { ...state, phase: { kind: 'none' } };
  const crashes = [...recentCrashes(state.crashes, event.at, policy), event.at];
  const decision = decideRestart(crashes, event.at, policy);
  if (!decision.restart) {
    const reason = `the engine host crashed ${crashes.length} times in ${Math.round(policy.windowMs / 1000)} s; last: ${event.reason}`;
    return { crashes, phase: { kind: 'gaveUp', reason } };
  }
  const reload = phase.kind === 'running' && phase.model.kind !== 'none' && phase.model.kind !== 'failed';
  return { crashes, phase: { kind: 'restarting', reason: event.reason, delayMs: decision.delayMs, reload } };
}

/** The loaded model, only while a process runs with it. */
export function loadedModel(state: Lifecycle): ModelInfo | undefined {
  const { phase } = state;
  return phase.kind === 'running' && phase.model.kind === 'loaded' ? phase.model.info : undefined;
}
