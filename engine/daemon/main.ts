// Shared engine entry point (bundled to dist/engineDaemon.js): one engine process per user that
// every VS Code window connects to, started detached by the first window that needs a model
// (client.ts, under the start lock) and gone IDLE_EXIT_MS after its last window left.
//
//   node dist/engineDaemon.js --dir FOLDER
//
// FOLDER is the private per-user folder of paths.ts. Start-up: check the folder is private, make
// sure no other engine answers on the socket, listen, then write daemon.json (pid, versions, a
// fresh random token; 0600) — its appearance is what the starting window waits for. Each
// connection must first present the token (handshake.ts); then it speaks the engine host protocol
// as newline-delimited JSON, served by SharedEngine. Logs go to stdout (the folder's daemon.log).
import { chmodSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { assertModelFolderVerified } from '../download/checkModelFolder';
import { processIsAlive } from '../download/lockFile';
import { Engine } from '../engine';
import { HOST_PROTOCOL_VERSION } from '../host/protocolVersion';
import { TokenCounter } from '../host/tokenCounter';
import { buildHash, newToken, readInfoFile, removeInfoFileOf, writeInfoFile } from './daemonFiles';
import { DAEMON_PROTOCOL_VERSION, judgeConnect, judgeDaemonInfo, type DaemonIdentity, type DaemonReply } from './handshake';
import { IDLE_EXIT_MS, IdleExit, systemDaemonClock } from './idleExit';
import { encodeLine, LineReader, MAX_HANDSHAKE_LINE_CHARS, MAX_LINE_CHARS, parseLine } from './lineCodec';
import { ensurePrivateFolder, pathsInFolder, sharedEngineUnsupported } from './paths';
import { SHARED_CACHE_SLOTS, SharedEngine } from './sharedEngine';

/**
 * A connection that has not presented its token within this long is closed, whatever it sent
 * (nothing, or a first line that never ends). R1_LOCAL_DAEMON_HANDSHAKE_MS shortens it for tests.
 */
const HANDSHAKE_TIMEOUT_MS = 5_000;

/** Exit codes the starting window reports. */
const EXIT_ALREADY_RUNNING = 0;
const EXIT_FOLDER = 3;
const EXIT_LISTEN = 4;
const EXIT_UNSUPPORTED = 5;

function log(line: string): void {
  process.stdout.write(`${new Date().toISOString()} [${process.pid}] ${line}\n`);
}

/** True when something accepts connections on `socket` (another engine already serves this user). */
function answers(socket: string): Promise<boolean> {
  return new Promise((done) => {
    const probe = createConnection(socket);
    probe.once('connect', () => {
      probe.destroy();
      done(true);
    });
    probe.once('error', () => done(false));
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { dir: { type: 'string' } }, strict: true });
  if (!values.dir) {
    log('usage: engineDaemon.js --dir FOLDER');
    process.exit(2);
  }
  // Windows clients never start one (client.ts); this refuses a start by hand, too.
  const unsupported = sharedEngineUnsupported(process.platform);
  if (unsupported) {
    log(`refusing to start: ${unsupported}`);
    process.exit(EXIT_UNSUPPORTED);
  }
  const paths = pathsInFolder(resolve(values.dir), process.platform);
  try {
    ensurePrivateFolder(paths);
  } catch (e) {
    log(`refusing to start: ${(e as Error).message}`);
    process.exit(EXIT_FOLDER);
  }

  // Windows only start one under the start lock; this guards against anything else that starts one.
  const existing = judgeDaemonInfo(readInfoFile(paths.info), { protocol: DAEMON_PROTOCOL_VERSION }, processIsAlive);
  if ((existing.kind === 'usable' || existing.kind === 'mismatch') && (await answers(paths.socket))) {
    log('another shared engine answers on the socket: exiting');
    process.exit(EXIT_ALREADY_RUNNING);
  }
  if (process.platform !== 'win32') rmSync(paths.socket, { force: true });

  const identity: DaemonIdentity = { protocol: DAEMON_PROTOCOL_VERSION, build: buildHash(process.argv[1]!), token: newToken() };
  const counter = new TokenCounter();
  const shared = new SharedEngine({
    loadEngine: async (options) => {
      // As in the forked host: a downloaded folder is checked against its manifest first.
      await assertModelFolderVerified(options.modelPath);
      return Engine.load({ ...options, maxCacheSlots: SHARED_CACHE_SLOTS });
    },
    countTokens: (modelPath, input) => counter.count(modelPath, input),
    log,
  });

  const idleMs = Number(process.env.R1_LOCAL_DAEMON_IDLE_MS) > 0 ? Number(process.env.R1_LOCAL_DAEMON_IDLE_MS) : IDLE_EXIT_MS;
  const handshakeMs = Number(process.env.R1_LOCAL_DAEMON_HANDSHAKE_MS) > 0 ? Number(process.env.R1_LOCAL_DAEMON_HANDSHAKE_MS) : HANDSHAKE_TIMEOUT_MS;
  /** Numbers the connections, so that two of one window (chat and completion engines) get distinct session keys. */
  let connectionSerial = 0;
  const server = createServer((socket) => serve(socket));
  const idle = new IdleExit(systemDaemonClock, idleMs, () => {
    log(`no window connected for ${Math.round(idleMs / 1000)} s: exiting`);
    exit(0);
  });

  function exit(code: number): void {
    idle.dispose();
    server.close();
    removeInfoFileOf(paths.info, process.pid);
    if (process.platform !== 'win32') rmSync(paths.socket, { force: true });
    process.exit(code);
  }

  function serve(socket: Socket): void {
    const serial = ++connectionSerial;
    socket.setEncoding('utf8');
    // Until the token is checked, only a line the size of a `connect` message is read.
    const reader = new LineReader(MAX_HANDSHAKE_LINE_CHARS);
    let session: ReturnType<SharedEngine['open']> | undefined;
    let refused = false;
    let window = false;
    const send = (message: unknown): void => {
      if (!socket.destroyed) socket.write(encodeLine(message));
    };
    // Cleared only once the session exists: a refused peer that keeps the socket open is closed too.
    const handshakeTimer = setTimeout(() => {
      log(`closing a connection that did not complete its handshake within ${handshakeMs} ms`);
      socket.destroy();
    }, handshakeMs);
    const onLine = (line: string): void => {
      if (session) return session.handle(parseLine(line));
      if (refused) return;
      const verdict = judgeConnect(parseLine(line), identity);
      if (!verdict.ok) {
        refused = true;
        log(`refused a connection: ${verdict.reason}`);
        const refusal: DaemonReply = { type: 'refused', code: verdict.code, reason: verdict.reason };
        socket.end(encodeLine(refusal));
        return;
      }
      clearTimeout(handshakeTimer);
      reader.maxChars = MAX_LINE_CHARS;
      const { client, role } = verdict.hello;
      window = role === 'window';
      session = shared.open(`${client}#${serial}`, client, role, { send, close: () => socket.end() });
      if (window) {
        idle.clientConnected();
        log(`window ${session.key} connected (${idle.connected} connected)`);
      }
      const hello: DaemonReply = { type: 'hello', version: HOST_PROTOCOL_VERSION, pid: process.pid };
      send(hello);
    };
    socket.on('data', (chunk: string) => {
      try {
        reader.read(chunk, onLine);
      } catch (e) {
        log(`closing a connection: ${(e as Error).message}`);
        socket.destroy();
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(handshakeTimer);
      session?.close();
      if (window) {
        idle.clientDisconnected();
        log(`window ${session!.key} disconnected (${idle.connected} connected)`);
      }
    });
  }

  server.on('error', (e) => {
    log(`cannot listen on ${paths.socket}: ${e.message}`);
    process.exit(EXIT_LISTEN);
  });
  server.listen(paths.socket, () => {
    // The folder is already private; the socket file is made so as well.
    if (process.platform !== 'win32') chmodSync(paths.socket, 0o600);
    writeInfoFile(paths.info, { pid: process.pid, protocol: DAEMON_PROTOCOL_VERSION, build: identity.build, token: identity.token, socket: paths.socket, startedAt: Date.now() });
    log(`shared engine listening on ${paths.socket} (build ${identity.build}, idle exit after ${Math.round(idleMs / 1000)} s)`);
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => exit(0));
}

void main().catch((e: unknown) => {
  log(`shared engine failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exit(1);
});
