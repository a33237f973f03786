// Turns download events into what VS Code's progress notification takes: a message (file, bytes,
// speed, time left) and a percentage increment. No `vscode` import, so it is unit-tested in Node.

import { describeProgress, percentDone } from '../../engine/download/progressText';
import type { DownloadEvent } from '../../engine/download/types';

export interface NotificationUpdate {
  message: string;
  /** Percentage points to add to the bar (VS Code's Progress API is incremental). */
  increment?: number;
}

export class DownloadNotification {
  private reportedPercent = 0;

  /** The update for `event`, or undefined when the notification should stay as it is. */
  update(event: DownloadEvent): NotificationUpdate | undefined {
    switch (event.type) {
      case 'waiting-for-lock':
        return { message: 'waiting for a download running in another window…' };
      case 'resolved':
        return this.advanceTo(event.totalBytes > 0 ? Math.floor(((event.totalBytes - event.bytesToFetch) * 100) / event.totalBytes) : 0, `${event.files.length} files to check and fetch`);
      case 'progress':
        return this.advanceTo(percentDone(event), describeProgress(event));
      case 'retry':
        return { message: `connection problem on ${event.path}, retrying…` };
      case 'restart':
        return { message: `${event.path}: starting this file again (${event.reason})` };
      case 'quarantined':
        return { message: `${event.path} was corrupt: fetching it again` };
      case 'done':
        return this.advanceTo(100, 'verified');
      default:
        return undefined;
    }
  }

  /** Increments only ever move forward; a file restarting from zero just slows the bar. */
  private advanceTo(percent: number, message: string): NotificationUpdate {
    const increment = Math.max(0, Math.min(100, percent) - this.reportedPercent);
    this.reportedPercent += increment;
    return increment > 0 ? { message, increment } : { message };
  }
}
