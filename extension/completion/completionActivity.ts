// What the status bar shows about completions: whether one is running and how long the last one
// took. Folds the service's status stream into that small state.
import { Emitter } from '../util/emitter';
import type { CompletionStatus } from './completionService';

export interface CompletionActivity {
  running: boolean;
  /** Keystroke to suggestion, debounce included, of the last suggestion shown. */
  lastLatencyMs?: number;
}

export class CompletionActivityTracker {
  private state: CompletionActivity = { running: false };
  private readonly changed = new Emitter<CompletionActivity>();
  readonly onDidChange = this.changed.event;

  get current(): CompletionActivity {
    return this.state;
  }

  /** Feed every status the CompletionService emits. */
  observe(status: CompletionStatus): void {
    if (status.type === 'running') this.set({ ...this.state, running: status.running });
    else if (status.type === 'answered') this.set({ ...this.state, lastLatencyMs: Math.round(status.answer.latencyMs) });
  }

  dispose(): void {
    this.changed.dispose();
  }

  private set(next: CompletionActivity): void {
    if (next.running === this.state.running && next.lastLatencyMs === this.state.lastLatencyMs) return;
    this.state = next;
    this.changed.fire(next);
  }
}
