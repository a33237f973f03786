// Where the shared engine of one user lives: a private folder holding its socket, `daemon.json`
// (pid, versions, token), the start lock and its log. The folder follows the platform's convention
// for per-user runtime state, so a private HOME or XDG_RUNTIME_DIR gives a private engine:
//   Linux and other Unixes  $XDG_RUNTIME_DIR/r1-local, else $XDG_CACHE_HOME (or ~/.cache)/r1-local/engine
//   macOS                   $XDG_RUNTIME_DIR/r1-local when set, else ~/Library/Caches/r1-local/engine
//   Windows                 %LOCALAPPDATA%\r1-local\engine for the files; the socket is a named pipe
//                           \\.\pipe\r1-local-<hash of that folder>, one per user profile.
// On Unix the folder must be the user's own with no access for anyone else (0700): the socket
// inherits that protection. A Windows pipe is open to every local user by default, which is why
// every connection must also present the random token of daemon.json (see handshake.ts). The
// Windows branch is written from the documentation and has not run on Windows, and a client there
// cannot tell that the process holding the pipe name is the engine daemon.json names (Node gives
// no way to ask for the pipe server's pid), so it would hand its token to whoever took the name
// first. Until both are tested on Windows, the shared engine is not used there at all
// (sharedEngineUnsupported): each window runs its own engine, as with the setting off.
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, type Stats } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

export interface DaemonPaths {
  dir: string;
  /** Unix socket path, or a Windows named pipe. */
  socket: string;
  /** The running engine's pid, versions and token; absent when none runs. */
  info: string;
  /** Held by the window that starts the engine, so two windows never start two. */
  lock: string;
  /** The engine's stdout and stderr. */
  log: string;
}

export interface PlatformFacts {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  home: string;
}

/**
 * sockaddr_un holds 104 bytes on macOS and the BSDs, 108 on Linux, the terminating NUL included:
 * a longer path fails at bind/connect. Hence the short socket name.
 */
export const MAX_SOCKET_PATH_BYTES = 103;

function cacheRoot({ platform, env, home }: PlatformFacts): string {
  if (platform === 'darwin') return join(home, 'Library', 'Caches');
  const xdg = env.XDG_CACHE_HOME;
  return xdg && isAbsolute(xdg) ? xdg : join(home, '.cache');
}

/** Why the shared engine is not used on `platform`, or undefined where it is. */
export function sharedEngineUnsupported(platform: NodeJS.Platform): string | undefined {
  return platform === 'win32' ? 'the shared engine is not yet supported on Windows' : undefined;
}

export function daemonPaths(facts: PlatformFacts): DaemonPaths {
  if (facts.platform === 'win32') {
    const local = facts.env.LOCALAPPDATA || join(facts.home, 'AppData', 'Local');
    return pathsInFolder(join(local, 'r1-local', 'engine'), 'win32');
  }
  const runtime = facts.env.XDG_RUNTIME_DIR;
  return pathsInFolder(runtime && isAbsolute(runtime) ? join(runtime, 'r1-local') : join(cacheRoot(facts), 'r1-local', 'engine'), facts.platform);
}

/** The files of a shared engine whose folder is `dir` (the daemon is told its folder by the window that starts it). */
export function pathsInFolder(dir: string, platform: NodeJS.Platform): DaemonPaths {
  // One pipe per folder: a pipe name is machine-wide, the folder is per user profile.
  const socket = platform === 'win32' ? `\\\\.\\pipe\\r1-local-${createHash('sha256').update(dir.toLowerCase()).digest('hex').slice(0, 16)}` : join(dir, 'sock');
  return { dir, socket, info: join(dir, 'daemon.json'), lock: join(dir, 'start.lock'), log: join(dir, 'daemon.log') };
}

/** Why `socket` cannot be used, or undefined. */
export function socketPathProblem(socket: string, platform: NodeJS.Platform): string | undefined {
  if (platform === 'win32') return undefined;
  const bytes = Buffer.byteLength(socket);
  return bytes > MAX_SOCKET_PATH_BYTES ? `the socket path ${socket} is ${bytes} bytes, more than the ${MAX_SOCKET_PATH_BYTES} a Unix socket allows` : undefined;
}

/**
 * Why the folder is not private to `uid`, or undefined when it is: a real directory (not a
 * symlink someone could point elsewhere), owned by the user, with no permission bits for group or
 * others. Windows has no such mode bits: there the token does the work.
 */
export function privateFolderProblem(dir: string, stat: Pick<Stats, 'isDirectory' | 'isSymbolicLink' | 'uid' | 'mode'>, uid: number | undefined, platform: NodeJS.Platform): string | undefined {
  if (stat.isSymbolicLink()) return `${dir} is a symbolic link; the shared engine needs a real folder`;
  if (!stat.isDirectory()) return `${dir} is not a folder`;
  if (platform === 'win32' || uid === undefined) return undefined;
  if (stat.uid !== uid) return `${dir} belongs to user ${stat.uid}, not to this user (${uid})`;
  const open = stat.mode & 0o077;
  if (open !== 0) return `${dir} is open to other users (mode ${(stat.mode & 0o777).toString(8)}); the shared engine needs it private (chmod 700)`;
  return undefined;
}

/** Thrown when the folder or socket cannot be used safely; the caller runs its own engine instead. */
export class DaemonFolderError extends Error {
  override readonly name = 'DaemonFolderError';
}

/**
 * Creates the folder (0700) if needed and checks it is private. An existing folder with loose
 * permissions is refused, not repaired: someone else may have prepared it.
 */
export function ensurePrivateFolder(paths: DaemonPaths, platform: NodeJS.Platform = process.platform): void {
  const tooLong = socketPathProblem(paths.socket, platform);
  if (tooLong) throw new DaemonFolderError(tooLong);
  try {
    mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new DaemonFolderError(`cannot create ${paths.dir}: ${(e as Error).message}`);
  }
  const problem = privateFolderProblem(paths.dir, lstatSync(paths.dir), process.getuid?.(), platform);
  if (problem) throw new DaemonFolderError(problem);
}

/** The paths for this process's user and environment. */
export function currentDaemonPaths(env: NodeJS.ProcessEnv = process.env): DaemonPaths {
  // On Unix a private HOME (in `env`) gives a private engine too.
  const home = process.platform !== 'win32' && env.HOME && isAbsolute(env.HOME) ? env.HOME : homedir();
  return daemonPaths({ platform: process.platform, env, home });
}
