// The shared engine's part of the memory benchmark (scripts/bench-memory.ts): what a second and a
// third VS Code window cost when every window of a user talks to one engine process with one loaded
// model (engine/daemon/). The engine (dist/engineDaemon.js) is started the way a window starts it,
// in a private XDG_RUNTIME_DIR so the user's own engine is never touched; then windows connect one
// after the other, each under its own client name (so each gets its own prefix-cache slots, as real
// windows do), loads the model and runs one short greedy generation. After each window the
// machine's used memory (MemTotal − MemAvailable) and the engine process's RSS are read.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectOrStart, type DaemonLink } from '../daemon/client';
import { buildHash } from '../daemon/daemonFiles';
import { daemonPaths } from '../daemon/paths';
import type { HostMessage } from '../host/protocol';
import type { ModelInfo } from '../types';

export interface SharedWindow {
  /** Growth of the machine's used memory since the previous window (the first: since before the engine started). */
  addedMB: number;
  /** The engine process after this window's generation: resident now, and its peak so far. */
  engineRssMB: number;
  enginePeakMB: number;
  /** The load as this window saw it: the first window's loads the model, the others attach to it. */
  loadMs: number;
  generateMs: number;
  weights?: ModelInfo['weights'];
}

export interface SharedEngineOptions {
  daemonScript: string;
  modelDir: string;
  threads: number;
  windows: number;
  promptTokens: number;
  newTokens: number;
  /** Settling time before each reading of the machine's memory. */
  settleMs?: number;
}

export function usedMB(): number {
  const info = readFileSync('/proc/meminfo', 'utf8');
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(info)![1]);
  return (kb('MemTotal') - kb('MemAvailable')) / 1024;
}

function statusMB(pid: number, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Request/answer over one window's connection (the host protocol as newline-delimited JSON). */
class Window {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (m: HostMessage) => void; reject: (e: Error) => void }>();

  constructor(readonly link: DaemonLink) {
    link.onMessage((raw) => {
      const message = raw as HostMessage;
      if (message.type !== 'result' && message.type !== 'error' && !(message.type === 'event' && message.event.type === 'done')) return;
      const waiter = this.pending.get(message.id);
      if (!waiter) return;
      this.pending.delete(message.id);
      if (message.type === 'error') waiter.reject(new Error(`${message.error.code}: ${message.error.message}`));
      else waiter.resolve(message);
    });
    void link.closed.then(() => {
      for (const w of this.pending.values()) w.reject(new Error('the shared engine closed the connection'));
      this.pending.clear();
    });
  }

  request(body: Record<string, unknown>): Promise<HostMessage> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.link.send({ ...body, id });
    });
  }
}

/** Starts a private shared engine, connects `windows` windows one by one and measures each; the engine is ended afterwards. */
export async function measureSharedEngine(options: SharedEngineOptions): Promise<{ windows: SharedWindow[]; enginePid: number }> {
  const runtime = mkdtempSync(join(tmpdir(), 'r1-bench-rt-'));
  const env = { ...process.env, XDG_RUNTIME_DIR: runtime };
  const paths = daemonPaths({ platform: process.platform, env, home: runtime });
  const build = buildHash(options.daemonScript);
  const settleMs = options.settleMs ?? 1500;
  const windows: Window[] = [];
  const measured: SharedWindow[] = [];
  let enginePid = 0;
  try {
    await sleep(settleMs);
    let before = usedMB();
    for (let i = 1; i <= options.windows; i++) {
      const { link, info } = await connectOrStart({ paths, script: options.daemonScript, execPath: process.execPath, env, who: { client: `bench-window-${i}`, role: 'window', build }, timeoutMs: 60_000 });
      enginePid = info.pid;
      const window = new Window(link);
      windows.push(window);
      const loadStarted = performance.now();
      const loaded = await window.request({ type: 'load', options: { modelPath: options.modelDir, executionProvider: 'cpu', threads: options.threads } });
      const loadMs = performance.now() - loadStarted;
      const model = (loaded as Extract<HostMessage, { type: 'result' }>).result as ModelInfo;
      const vocab = model.vocabSize;
      // Each window its own prompt, so none reuses another's cached prefix.
      const ids = Array.from({ length: options.promptTokens }, (_, t) => (t * 7919 + 13 + i * 101) % Math.min(vocab, 400));
      const request = { kind: 'completion', prompt: { type: 'ids', ids }, maxNewTokens: options.newTokens, sampling: { greedy: true }, ignoreEos: true, promptLookup: false, splitReasoning: false };
      const generateStarted = performance.now();
      await window.request({ type: 'generate', request });
      const generateMs = performance.now() - generateStarted;
      await sleep(settleMs);
      const now = usedMB();
      measured.push({ addedMB: now - before, engineRssMB: statusMB(enginePid, 'VmRSS'), enginePeakMB: statusMB(enginePid, 'VmHWM'), loadMs, generateMs, weights: model.weights });
      before = now;
    }
  } finally {
    for (const w of windows) w.link.end();
    if (enginePid) {
      try {
        process.kill(enginePid, 'SIGTERM');
      } catch {
        // Already gone.
      }
      for (let i = 0; i < 100; i++) {
        try {
          process.kill(enginePid, 0);
          await sleep(100);
        } catch {
          break;
        }
      }
    }
    rmSync(runtime, { recursive: true, force: true });
  }
  return { windows: measured, enginePid };
}
