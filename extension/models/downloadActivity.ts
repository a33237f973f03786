// Whether "Download Model…" is fetching a model in this window, for views that must not offer a
// second download meanwhile (the chat's empty state). Counts, because a Retry may overlap the end
// of the attempt it replaces.
import { Emitter, type Event } from '../core/emitter';

export class DownloadActivity {
  private running = 0;
  private readonly changed = new Emitter<void>();
  readonly onDidChange: Event<void> = this.changed.event;

  get isRunning(): boolean {
    return this.running > 0;
  }

  /** Runs `task` as one download; the activity ends however it settles. */
  async track<T>(task: () => Promise<T>): Promise<T> {
    this.running++;
    if (this.running === 1) this.changed.fire();
    try {
      return await task();
    } finally {
      this.running--;
      if (this.running === 0) this.changed.fire();
    }
  }

  dispose(): void {
    this.changed.dispose();
  }
}
