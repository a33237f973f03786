// What the status bar shows about completions: whether one is running or waiting for the model to
// load, and how long the last one took. Folds the service's status stream into that small state.
import { Emitter } from '../emitter';
import type { CompletionStatus } from './completionService';

export interface CompletionActivity {
  running: boolean;
  /**
   * A completion waits for its model to load. The chat model's engine state says so too, but a
   * separate completion model (`r1Local.completions.modelPath`) has no other sign.
   */
  loadingModel?: boolean;
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
    else if (status.type === 'loading') this.set({ ...this.state, loadingModel: status.loading });
    else if (status.type === 'answered') this.set({ ...this.state, lastLatencyMs: Math.round(status.answer.latencyMs) });
  }

  dispose(): void {
    this.changed.dispose();
  }

  private set(next: CompletionActivity): void {
    if (next.running === this.state.running && next.loadingModel === this.state.loadingModel && next.lastLatencyMs === this.state.lastLatencyMs) return;
    this.state = next;
    this.changed.fire(next);
  }
}
