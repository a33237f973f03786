// The rules of the shared engine's front door, as pure functions: who may connect, and what a
// window makes of the `daemon.json` it finds. Everything here is decided from plain data, so the
// unit tests need no socket and no process.
//
// The handshake: the client's first line is a `connect` message with the token of daemon.json,
// the daemon protocol version, the build hash of the engine it expects and its client id. The
// daemon answers the host protocol's own `hello` (engine/host/protocol.ts), after which the
// connection carries HostRequest / HostMessage as newline-delimited JSON, exactly as the forked
// host's IPC channel does; or it answers `refused` with a reason and closes.
import { timingSafeEqual } from 'node:crypto';
import type { HostProtocolVersion } from '../host/protocol';

/** Bumped whenever the handshake, daemon.json or the daemon's handling of host messages changes. */
export const DAEMON_PROTOCOL_VERSION = 1;

/**
 * A window counts as a client (it is "sharing" the engine, keeps it from exiting, gets its own
 * cache slots); `status` is `r1-local status` looking in, counted nowhere.
 */
export type ClientRole = 'window' | 'status';

export interface ConnectMessage {
  type: 'connect';
  token: string;
  protocol: number;
  build: string;
  /** Names the window in logs and scheduling; the daemon makes it unique per connection. */
  client: string;
  role: ClientRole;
}

export type RefusalCode = 'bad_request' | 'token' | 'protocol' | 'build';

export type DaemonReply = { type: 'hello'; version: HostProtocolVersion; pid: number } | { type: 'refused'; code: RefusalCode; reason: string };

/** What daemon.json holds (written 0600 in the private folder by the daemon once it listens). */
export interface DaemonInfo {
  pid: number;
  protocol: number;
  build: string;
  token: string;
  socket: string;
  /** ms since the epoch. */
  startedAt: number;
}

export interface DaemonIdentity {
  protocol: number;
  build: string;
  token: string;
}

/** Compares tokens in constant time (a local attacker on a Windows pipe could otherwise time it). */
export function tokensEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The daemon's decision on a client's first line. The token is checked before anything else, so a
 * caller without it learns nothing about the versions. `r1-local status` only reads the status,
 * whose shape the protocol version covers, so it is let in from another build.
 */
export function judgeConnect(raw: unknown, self: DaemonIdentity): { ok: true; hello: ConnectMessage } | { ok: false; code: RefusalCode; reason: string } {
  if (!isRecord(raw) || raw.type !== 'connect' || typeof raw.token !== 'string') {
    return { ok: false, code: 'bad_request', reason: 'the first message must be { type: "connect", token, protocol, build, client, role }' };
  }
  if (!tokensEqual(raw.token, self.token)) return { ok: false, code: 'token', reason: 'wrong token' };
  if (raw.protocol !== self.protocol) {
    return { ok: false, code: 'protocol', reason: `the shared engine speaks protocol ${self.protocol}, the client ${String(raw.protocol)}` };
  }
  if (raw.role !== 'window' && raw.role !== 'status') return { ok: false, code: 'bad_request', reason: 'role: expected "window" or "status"' };
  if (typeof raw.client !== 'string' || raw.client.length === 0 || raw.client.length > 200) {
    return { ok: false, code: 'bad_request', reason: 'client: expected a non-empty string' };
  }
  if (typeof raw.build !== 'string') return { ok: false, code: 'bad_request', reason: 'build: expected a string' };
  if (raw.role === 'window' && raw.build !== self.build) {
    return { ok: false, code: 'build', reason: `the shared engine is build ${self.build}, the client expects ${raw.build}` };
  }
  return { ok: true, hello: raw as unknown as ConnectMessage };
}

export function parseDaemonInfo(raw: unknown): DaemonInfo | undefined {
  if (!isRecord(raw)) return undefined;
  const { pid, protocol, build, token, socket, startedAt } = raw;
  if (!Number.isInteger(pid) || (pid as number) <= 0 || typeof protocol !== 'number' || typeof build !== 'string' || typeof token !== 'string' || token.length === 0) return undefined;
  if (typeof socket !== 'string' || typeof startedAt !== 'number') return undefined;
  return raw as unknown as DaemonInfo;
}

/** What a window does with the daemon.json it read. */
export type InfoVerdict =
  /** No (readable) daemon.json: start one. */
  | { kind: 'absent' }
  /** Its process is gone (a crash, a reboot): remove the leftovers under the lock, start one. */
  | { kind: 'stale'; pid: number }
  /** A live engine this window may not use: run the window's own engine, saying why. */
  | { kind: 'mismatch'; reason: string }
  | { kind: 'usable'; info: DaemonInfo };

/**
 * `expected.build` undefined accepts any build (`r1-local status`). A mismatch is judged only for
 * a live engine: a dead one of another version is simply replaced.
 */
export function judgeDaemonInfo(raw: unknown, expected: { protocol: number; build?: string }, isAlive: (pid: number) => boolean): InfoVerdict {
  const info = parseDaemonInfo(raw);
  if (!info) return { kind: 'absent' };
  if (!isAlive(info.pid)) return { kind: 'stale', pid: info.pid };
  if (info.protocol !== expected.protocol) {
    return { kind: 'mismatch', reason: `the running shared engine (pid ${info.pid}) speaks protocol ${info.protocol}, this window ${expected.protocol}` };
  }
  if (expected.build !== undefined && info.build !== expected.build) {
    return { kind: 'mismatch', reason: `the running shared engine (pid ${info.pid}) is another build (${info.build}, this window has ${expected.build}), e.g. another version of the extension` };
  }
  return { kind: 'usable', info };
}
