// The shared engine as real processes: dist/engineDaemon.js started by the extension's own
// LocalEngine through sharedHost, the generated scripted model, and a private XDG_RUNTIME_DIR per
// test so nothing touches the user's real engine. Two windows racing to start it (one engine), a
// window that crashes mid-request (the engine serves the other), killing the engine (the windows
// recover on a new one), a wrong token (refused), connections that never complete the handshake
// (closed, while a window is served), a folder with loose permissions and an engine of another
// protocol (the window runs its own), idle exit, and `r1-local status --json`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { fixtureModel } from '../helpers/fixtureModels';
import { chat, collect, completion, longScript, recordingLogger, waitFor } from '../host/hostTestKit';
import { LocalEngine } from '../../extension/engine/localEngine';
import { sharedHost } from '../../extension/engine/sharedHost';
import { daemonPaths, type DaemonPaths } from '../../engine/daemon/paths';
import { DAEMON_PROTOCOL_VERSION, parseDaemonInfo, type DaemonInfo } from '../../engine/daemon/handshake';
import { processIsAlive } from '../../engine/download/lockFile';
import type { StatusReport } from '../../engine/cli/status';

const HOST_SCRIPT = resolve('dist/engineHost.js');
const DAEMON_SCRIPT = resolve('dist/engineDaemon.js');
const fastRestart = { baseDelayMs: 100, factor: 1, maxDelayMs: 100, maxCrashes: 5, windowMs: 60_000 };

let scripted: string;
let long: string;
before(async () => {
  assert.ok(existsSync(DAEMON_SCRIPT), `${DAEMON_SCRIPT} is missing: run node scripts/build.mjs (scripts/test.mjs does)`);
  scripted = (await fixtureModel('scripted', 'optimum')).dir;
  long = (await fixtureModel('scripted', 'optimum', 'fp32', { script: longScript(300) })).dir;
});

const folders: string[] = [];
const engines: LocalEngine[] = [];
const pids = new Set<number>();

/** A private runtime dir, as a fresh login would have: the engine's folder goes inside it. */
function runtimeDir(): { env: NodeJS.ProcessEnv; paths: DaemonPaths } {
  const dir = mkdtempSync(join(tmpdir(), 'r1-rt-'));
  folders.push(dir);
  const env = { ...process.env, XDG_RUNTIME_DIR: dir };
  return { env, paths: daemonPaths({ platform: process.platform, env, home: dir }) };
}

function daemonInfo(paths: DaemonPaths): DaemonInfo | undefined {
  try {
    const info = parseDaemonInfo(JSON.parse(readFileSync(paths.info, 'utf8')));
    if (info) pids.add(info.pid);
    return info;
  } catch {
    return undefined;
  }
}

function windowEngine(rt: { env: NodeJS.ProcessEnv; paths: DaemonPaths }, client: string, modelPath: string, extraEnv: NodeJS.ProcessEnv = {}) {
  const log = recordingLogger();
  const env = { ...rt.env, ...extraEnv };
  const engine = new LocalEngine({
    hostScript: HOST_SCRIPT,
    log,
    restartPolicy: fastRestart,
    resolveLoadOptions: () => ({ modelPath, executionProvider: 'cpu', threads: 1 }),
    spawn: sharedHost({ hostScript: HOST_SCRIPT, daemonScript: DAEMON_SCRIPT, startTimeoutMs: 30_000, log, enabled: () => true, paths: rt.paths, env, clientId: client }),
  });
  engines.push(engine);
  return { engine, log };
}

async function cliStatus(env: NodeJS.ProcessEnv): Promise<StatusReport> {
  const { stdout } = await promisify(execFile)(process.execPath, [resolve('dist/cli.js'), 'status', '--json'], { env, timeout: 20_000 });
  return JSON.parse(stdout) as StatusReport;
}

after(async () => {
  await Promise.all(engines.map((e) => e.dispose()));
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

test('two windows racing to start get one engine, share one model, and both are answered', { timeout: 120_000 }, async (t) => {
  const rt = runtimeDir();
  assert.deepEqual(await cliStatus(rt.env), { running: false });
  const a = windowEngine(rt, 'A', scripted);
  const b = windowEngine(rt, 'B', scripted);
  const [ra, rb] = await Promise.all([collect(a.engine.generate(chat('hello', 400))), collect(b.engine.generate(completion('def add(a, b):', 16)))]);
  assert.equal(ra.done?.finishReason, 'eos');
  assert.ok(rb.done, 'the completion finished');
  const info = daemonInfo(rt.paths)!;
  assert.equal(a.engine.hostPid, info.pid);
  assert.equal(b.engine.hostPid, info.pid);
  const started = [...a.log.lines, ...b.log.lines].filter((l) => /started by this window/.test(l));
  assert.equal(started.length, 1, `exactly one window started the engine: ${started.join(' | ')}`);
  const rss: number[] = [];
  const report = await cliStatus(rt.env);
  assert.equal(report.running, true);
  if (!report.running) return;
  assert.equal(report.pid, info.pid);
  assert.equal(report.clients, 2, 'the status command is not counted');
  assert.deepEqual(report.models, [{ path: scripted, clients: 2 }]);
  assert.ok(report.rssMB > 10 && report.uptimeS >= 0);
  const status = await a.engine.hostStatus();
  assert.equal(status?.shared?.windows, 2);
  // Memory of the one process as windows join (diagnostic, not asserted).
  const c = windowEngine(rt, 'C', scripted);
  await collect(c.engine.generate(completion('x = ', 8)));
  for (const windows of [2, 3]) {
    if (windows === 2) rss.push(report.rssMB);
    else rss.push(Math.round((await c.engine.hostStatus())!.rssBytes / 2 ** 20));
  }
  t.diagnostic(`shared engine RSS with 2 and 3 windows on the scripted model: ${rss.join(' / ')} MB`);
  await c.engine.dispose();
  await b.engine.dispose();
  const one = await cliStatus(rt.env);
  assert.equal(one.running && one.clients, 1);
  t.diagnostic(`with 1 window: ${one.running ? one.rssMB : '?'} MB`);
});

/** A window in another process that connects with the token, starts a long chat and reports it. */
const CRASHING_WINDOW = `
const net = require('node:net');
const fs = require('node:fs');
const [infoFile, modelPath] = process.argv.slice(1);
const info = JSON.parse(fs.readFileSync(infoFile, 'utf8'));
const socket = net.createConnection(info.socket);
const send = (m) => socket.write(JSON.stringify(m) + '\\n');
let buffered = '';
socket.setEncoding('utf8');
socket.on('connect', () => send({ type: 'connect', token: info.token, protocol: info.protocol, build: info.build, client: 'crasher', role: 'window' }));
socket.on('data', (chunk) => {
  buffered += chunk;
  const lines = buffered.split('\\n');
  buffered = lines.pop();
  for (const line of lines) {
    const m = JSON.parse(line);
    if (m.type === 'hello') send({ type: 'load', id: 1, options: { modelPath, executionProvider: 'cpu', threads: 1 } });
    else if (m.type === 'result' && m.id === 1) send({ type: 'generate', id: 2, request: { kind: 'chat', prompt: { type: 'chat', messages: [{ role: 'user', content: 'go' }] }, maxNewTokens: 3000 } });
    else if (m.type === 'event' && m.id === 2) process.stdout.write('streaming\\n');
  }
});
`;

test('a window that crashes mid-request: the engine cancels its work and serves the other window', { timeout: 120_000 }, async () => {
  const rt = runtimeDir();
  const a = windowEngine(rt, 'A', long);
  await a.engine.load();
  const info = daemonInfo(rt.paths)!;
  const crasher = spawn(process.execPath, ['-e', CRASHING_WINDOW, rt.paths.info, long], { stdio: ['ignore', 'pipe', 'inherit'] });
  let streaming = false;
  crasher.stdout.on('data', () => (streaming = true));
  try {
    await waitFor(() => streaming, 30_000, 'the other window to stream');
    assert.equal((await a.engine.hostStatus())?.shared?.windows, 2);
    // A completion of A runs while the other window's chat streams.
    const first = await collect(a.engine.generate(completion('def f():', 8)));
    assert.ok(first.done);
  } finally {
    crasher.kill('SIGKILL');
  }
  await waitFor(() => crasher.exitCode !== null || crasher.signalCode !== null, 10_000, 'the crashing window to die');
  let status = await a.engine.hostStatus();
  for (let i = 0; i < 100 && (status?.shared?.windows !== 1 || status.active !== 0); i++) {
    await new Promise((r) => setTimeout(r, 50));
    status = await a.engine.hostStatus();
  }
  assert.equal(status?.shared?.windows, 1, 'the crashed window is gone');
  assert.equal(status?.active, 0, "its chat was cancelled, not left running");
  const after = await collect(a.engine.generate(chat('still there?', 60)));
  assert.ok(after.done && after.text.length > 0);
  assert.equal(a.engine.hostPid, info.pid, 'the same engine served it');
  assert.match(readFileSync(rt.paths.log, 'utf8'), /window crasher#\d+ disconnected/);
});

test('killing the shared engine: both windows recover on one new engine', { timeout: 120_000 }, async () => {
  const rt = runtimeDir();
  const a = windowEngine(rt, 'A', scripted);
  const b = windowEngine(rt, 'B', scripted);
  await Promise.all([a.engine.load(), b.engine.load()]);
  const old = daemonInfo(rt.paths)!;
  process.kill(old.pid, 'SIGKILL');
  await waitFor(() => !processIsAlive(old.pid), 10_000, 'the engine to die');
  // The windows restart on their own (the model was loaded); a request meanwhile waits for it.
  const [ra, rb] = await Promise.all([collect(a.engine.generate(completion('a', 4))), collect(b.engine.generate(completion('b', 4)))]);
  assert.ok(ra.done && rb.done);
  const fresh = daemonInfo(rt.paths)!;
  assert.notEqual(fresh.pid, old.pid);
  assert.equal(a.engine.hostPid, fresh.pid);
  assert.equal(b.engine.hostPid, fresh.pid);
  assert.ok(a.log.lines.some((l) => /connection to the shared engine .* closed: the process is gone/.test(l)), a.log.lines.join('\n'));
});

/** Opens the socket, sends one connect message, returns the reply line and whether it closed. */
function rawConnect(socketPath: string, hello: object): Promise<{ reply: unknown; closed: boolean }> {
  return new Promise((resolvePromise, reject) => {
    const socket = createConnection(socketPath);
    let data = '';
    const timer = setTimeout(() => reject(new Error('no reply within 10 s')), 10_000);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${JSON.stringify(hello)}\n`));
    socket.on('data', (chunk: string) => (data += chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(timer);
      resolvePromise({ reply: JSON.parse(data.split('\n')[0]!), closed: true });
    });
  });
}

test('a connection with a wrong token, or a window of another build, is refused', { timeout: 60_000 }, async () => {
  const rt = runtimeDir();
  const a = windowEngine(rt, 'A', scripted);
  await a.engine.load();
  const info = daemonInfo(rt.paths)!;
  const base = { type: 'connect', token: info.token, protocol: DAEMON_PROTOCOL_VERSION, build: info.build, client: 'intruder', role: 'window' };
  const wrong = await rawConnect(rt.paths.socket, { ...base, token: 'f'.repeat(64) });
  assert.deepEqual(wrong.reply, { type: 'refused', code: 'token', reason: 'wrong token' });
  assert.equal(wrong.closed, true);
  const build = await rawConnect(rt.paths.socket, { ...base, build: '0000000000000000' });
  assert.equal((build.reply as { code: string }).code, 'build');
  assert.match(readFileSync(rt.paths.log, 'utf8'), /refused a connection: wrong token/);
  // The files are the user's only.
  assert.equal(readFileSync(rt.paths.info).length > 0, true);
  const { statSync } = await import('node:fs');
  assert.equal(statSync(rt.paths.info).mode & 0o777, 0o600);
  assert.equal(statSync(rt.paths.dir).mode & 0o777, 0o700);
  assert.equal((await a.engine.hostStatus())?.shared?.windows, 1, 'refused connections are not counted');
});

/** Connects and sends nothing; resolves with how long the engine took to close it (at most 15 s). */
function silentConnection(socketPath: string): Promise<number> {
  return new Promise((resolvePromise) => {
    const started = Date.now();
    const socket = createConnection(socketPath);
    const guard = setTimeout(() => socket.destroy(), 15_000);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(guard);
      resolvePromise(Date.now() - started);
    });
  });
}

/** Connects and pours out one first line that never ends; resolves once closed (at most 15 s or 256 MiB). */
function endlessFirstLine(socketPath: string): Promise<{ closedAfterMs: number; sent: number }> {
  return new Promise((resolvePromise) => {
    const started = Date.now();
    const socket = createConnection(socketPath);
    const chunk = 'x'.repeat(64 * 2 ** 10);
    let sent = 0;
    const pour = (): void => {
      while (!socket.destroyed && sent < 256 * 2 ** 20) {
        sent += chunk.length;
        if (!socket.write(chunk)) return;
      }
    };
    const guard = setTimeout(() => socket.destroy(), 15_000);
    socket.on('connect', pour);
    socket.on('drain', pour);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(guard);
      resolvePromise({ closedAfterMs: Date.now() - started, sent });
    });
  });
}

test('a connection that sends nothing, and one whose first line never ends, are closed; a window connecting meanwhile is served', { timeout: 60_000 }, async () => {
  const rt = runtimeDir();
  const handshakeMs = 2_500;
  const a = windowEngine(rt, 'A', scripted, { R1_LOCAL_DAEMON_HANDSHAKE_MS: String(handshakeMs) });
  await a.engine.load();
  const info = daemonInfo(rt.paths)!;
  const b = windowEngine(rt, 'B', scripted);
  const [silentMs, endless, rb, ra] = await Promise.all([
    silentConnection(info.socket),
    endlessFirstLine(info.socket),
    collect(b.engine.generate(completion('def f():', 8))),
    collect(a.engine.generate(chat('hello', 200))),
  ]);
  // The endless line is cut at the handshake's few KiB, long before the handshake timeout.
  assert.ok(endless.closedAfterMs < handshakeMs - 1000, `the endless first line was closed after ${endless.closedAfterMs} ms (${endless.sent} characters sent)`);
  assert.ok(silentMs >= handshakeMs - 500 && silentMs < handshakeMs + 4000, `the silent connection was closed after ${silentMs} ms`);
  assert.ok(ra.done && rb.done, 'both windows were answered');
  assert.equal(b.engine.hostPid, info.pid, 'B is on the shared engine');
  assert.equal((await a.engine.hostStatus())?.shared?.windows, 2, 'neither connection counts as a window');
  const log = readFileSync(rt.paths.log, 'utf8');
  assert.match(log, /closing a connection: a message longer than 4096 characters/);
  assert.match(log, new RegExp(`closing a connection that did not complete its handshake within ${handshakeMs} ms`));
});

test('a folder with loose permissions is refused: the window runs its own engine and says why', { timeout: 60_000 }, async () => {
  const rt = runtimeDir();
  const { mkdirSync } = await import('node:fs');
  mkdirSync(rt.paths.dir, { mode: 0o700 });
  chmodSync(rt.paths.dir, 0o755);
  const a = windowEngine(rt, 'A', scripted);
  const r = await collect(a.engine.generate(completion('x', 4)));
  assert.ok(r.done);
  assert.equal(daemonInfo(rt.paths), undefined, 'no shared engine started');
  assert.ok(a.engine.hostPid && a.engine.hostPid !== process.pid);
  const why = a.log.lines.filter((l) => /not using the shared engine/.test(l));
  assert.equal(why.length, 1);
  assert.match(why[0]!, /open to other users \(mode 755\)/);
});

test('an engine of another protocol is left alone: the window runs its own engine and says why', { timeout: 60_000 }, async () => {
  const rt = runtimeDir();
  const { mkdirSync } = await import('node:fs');
  mkdirSync(rt.paths.dir, { mode: 0o700 });
  // A live process (this one) that claims to be an engine of another protocol.
  writeFileSync(rt.paths.info, JSON.stringify({ pid: process.pid, protocol: DAEMON_PROTOCOL_VERSION + 1, build: 'x', token: 't', socket: rt.paths.socket, startedAt: 0 }), { mode: 0o600 });
  const a = windowEngine(rt, 'A', scripted);
  const r = await collect(a.engine.generate(completion('x', 4)));
  assert.ok(r.done);
  assert.match(a.log.lines.find((l) => /not using the shared engine/.test(l)) ?? '', /speaks protocol 2, this window 1/);
});

test('a stale daemon.json (its process is gone) is replaced by a new engine', { timeout: 60_000 }, async () => {
  const rt = runtimeDir();
  const { mkdirSync } = await import('node:fs');
  mkdirSync(rt.paths.dir, { mode: 0o700 });
  writeFileSync(rt.paths.info, JSON.stringify({ pid: 2 ** 22 + 17, protocol: DAEMON_PROTOCOL_VERSION, build: 'old', token: 't', socket: rt.paths.socket, startedAt: 0 }), { mode: 0o600 });
  writeFileSync(rt.paths.socket, '');
  const a = windowEngine(rt, 'A', scripted);
  await a.engine.load();
  assert.equal(a.engine.hostPid, daemonInfo(rt.paths)?.pid);
});

test('the engine exits after the idle time with no window, and removes its daemon.json and socket', { timeout: 60_000 }, async () => {
  const rt = runtimeDir();
  const a = windowEngine(rt, 'A', scripted, { R1_LOCAL_DAEMON_IDLE_MS: '1500' });
  await a.engine.load();
  const info = daemonInfo(rt.paths)!;
  await new Promise((r) => setTimeout(r, 2000));
  assert.ok(processIsAlive(info.pid), 'a connected window keeps it running past the idle time');
  const left = Date.now();
  await a.engine.dispose();
  await waitFor(() => !processIsAlive(info.pid), 10_000, 'the engine to exit');
  const after = Date.now() - left;
  assert.ok(after >= 1400, `exited ${after} ms after the last window left`);
  assert.equal(existsSync(rt.paths.info), false);
  assert.equal(existsSync(rt.paths.socket), false);
  assert.deepEqual(await cliStatus(rt.env), { running: false });
});
