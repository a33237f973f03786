// Free-space check before a download starts, so a user learns "needs 1.4 GB, 300 MB free" at once
// instead of at 90%. The probe is injectable for tests.

import { promises as fs } from 'node:fs';
import { DownloadError } from './errors';

export type FreeSpaceProbe = (dir: string) => Promise<number>;

/** Bytes available to this (unprivileged) user on the file system holding `dir`. */
export const statfsFreeBytes: FreeSpaceProbe = async (dir) => {
  const stats = await fs.statfs(dir);
  return stats.bavail * stats.bsize;
};

/** Head-room kept free beyond the download itself (logs, the editor, other programs). */
export const SPACE_MARGIN_BYTES = 100_000_000;

export async function ensureFreeSpace(dir: string, neededBytes: number, probe: FreeSpaceProbe = statfsFreeBytes): Promise<void> {
  if (neededBytes <= 0) return;
  let free: number;
  try {
    free = await probe(dir);
  } catch {
    return; // file systems that cannot report free space: let the write itself fail clearly
  }
  if (free < neededBytes + SPACE_MARGIN_BYTES) {
    throw new DownloadError(
      'disk-full',
      `Not enough disk space in ${dir}: the model needs ${formatBytes(neededBytes)} more (plus ${formatBytes(SPACE_MARGIN_BYTES)} head-room), ${formatBytes(free)} is free.`,
    );
  }
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  // Three significant digits: 1.37 GB, 12.3 MB/s, 700 MB.
  const digits = unit === 0 ? 0 : value < 10 ? 2 : value < 100 ? 1 : 0;
  return `${value.toFixed(digits)} ${units[unit]}`;
}
