// The files of the shared engine's folder: daemon.json written atomically and readable by the
// user only, read back tolerantly (a half-written or foreign file reads as absent), removed only
// by its owner; and the build hash both sides compare.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { DaemonInfo } from './handshake';

/**
 * The build of the engine bundle: a hash of the daemon script's bytes. The window hashes the
 * script it would start, the daemon the script it runs, so a rebuilt or updated extension never
 * talks to an engine of another build.
 */
export function buildHash(script: string): string {
  return createHash('sha256').update(readFileSync(script)).digest('hex').slice(0, 16);
}

export function newToken(): string {
  return randomBytes(32).toString('hex');
}

/** The parsed JSON of daemon.json, or undefined when it is missing or unreadable. */
export function readInfoFile(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** Written under a temporary name (0600) and renamed, so a reader never sees half a file. */
export function writeInfoFile(path: string, info: DaemonInfo): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(info)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
}

/** Removes daemon.json only while it still names `pid` (a newer engine may have replaced it). */
export function removeInfoFileOf(path: string, pid: number): void {
  const current = readInfoFile(path) as { pid?: unknown } | undefined;
  if (current?.pid === pid) rmSync(path, { force: true });
}
