// Human-readable download progress, shared by the terminal progress bar and the VS Code
// notification: "onnx/model_q4f16.onnx · 580 MB / 1.37 GB · 12.3 MB/s · 1 min 05 s left".

import { formatBytes } from './diskSpace';
import type { DownloadEvent } from './types';

type ProgressEvent = Extract<DownloadEvent, { type: 'progress' }>;

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

export function formatSpeed(bytesPerSecond: number): string {
  return bytesPerSecond > 0 ? `${formatBytes(bytesPerSecond)}/s` : '–';
}

/** Whole-download percentage, 0–100. */
export function percentDone(event: ProgressEvent): number {
  return event.totalBytes > 0 ? Math.min(100, Math.floor((event.doneBytes * 100) / event.totalBytes)) : 100;
}

/** File, bytes, speed and time left, for one line of text. */
export function describeProgress(event: ProgressEvent): string {
  const eta = event.etaSeconds === undefined ? 'time left unknown' : `${formatDuration(event.etaSeconds)} left`;
  // Until the speed is measured there is nothing to show for it (a lone dash read as an error).
  const speed = event.bytesPerSecond > 0 ? ` · ${formatSpeed(event.bytesPerSecond)}` : '';
  return `${event.path} · ${formatBytes(event.doneBytes)} / ${formatBytes(event.totalBytes)}${speed} · ${eta}`;
}

/** `[#######.........]  42% ` + the description, cut to `columns` characters. */
export function progressBarLine(event: ProgressEvent, columns = 100): string {
  const pct = percentDone(event);
  const width = 20;
  const filled = Math.round((pct / 100) * width);
  const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(pct).padStart(3)}% ${describeProgress(event)}`;
  return line.length > columns ? line.slice(0, Math.max(0, columns - 1)) + '…' : line;
}
