// npm run bench:memory — memory and load time of the engine's weights, side by side with llama.cpp,
// on the full-size generated model (real 1.5B dims; run `npm run bench:compare -- --variants
// optimum-q4` once to generate it and its GGUF twin under .cache/models/). Each figure comes from a
// separate child process (engine/bench/memoryProbe.ts, engine/bench/llamaCppRunner.mts):
//   - first loads that save the pre-packed weights (and check them), on the fast path (accuracy_level
//     4) and on the exact path (the export's accuracy_level 0);
//   - per round: llama.cpp without and with mmap; the engine packing on the heap and mapping its saved
//     copy, on both paths; peak RSS and load time;
//   - 1, 2 and 3 engine processes alive at once: the machine's used memory (MemTotal − MemAvailable)
//     added by each;
//   - the shared engine (engine/bench/sharedEngineProbe.ts): one engine process for every window, as
//     the extension runs it by default; windows 1, 2 and 3 connect to it one after the other, each
//     loading the model (the first loads it, the others attach) and generating, and the machine's
//     used memory added by each window is read, with the engine's RSS. llama.cpp has no shared mode:
//     each of its windows is a process of its own, whose figures are the per-process rows above.
// Options: --rounds 2 --threads 2 --shared-rounds 3 --only-shared --out bench-output
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { measureSharedEngine, usedMB, type SharedWindow } from '../engine/bench/sharedEngineProbe';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '2' },
    threads: { type: 'string', default: '2' },
    'shared-rounds': { type: 'string', default: '3' },
    'only-shared': { type: 'boolean', default: false },
    out: { type: 'string', default: 'bench-output' },
  },
  strict: true,
});
const rounds = Number(values.rounds);
const threads = values.threads!;
const sharedRounds = Number(values['shared-rounds']);
const daemonScript = resolve('dist', 'engineDaemon.js');
const PROMPT_TOKENS = 128;
const NEW_TOKENS = 16;
const modelDir = resolve('.cache', 'models', 'full-optimum-q4');
const gguf = resolve('.cache', 'models', 'full-q4_0.gguf');
const log = (line: string) => process.stderr.write(`[bench:memory] ${line}\n`);
if (!existsSync(join(modelDir, 'fixture.json')) || !existsSync(gguf)) {
  throw new Error('The full-size models are missing: run `npm run bench:compare -- --variants optimum-q4 --rounds 1` once to generate them.');
}

interface Probe {
  loadMs: number;
  peakRssMB: number;
  weights?: { mode: string; reason?: string };
  rssAnonMB?: number;
  rssFileMB?: number;
}

const ENV = { ...process.env, NODE_LLAMA_CPP_SKIP_DOWNLOAD: 'true' };
const probeArgs = (extra: string[]) => ['--import', 'tsx', 'engine/bench/memoryProbe.ts', '--model', modelDir, '--threads', threads, ...extra];
const llamaArgs = (extra: string[]) => ['--import', 'tsx', 'engine/bench/llamaCppRunner.mts', '--model', gguf, '--prompt-tokens', '128', '--new-tokens', '16', '--contexts', '256', '--threads', threads, ...extra];

/** Starts a child and resolves with its first JSON line on stdout (and the child, still running when it holds). */
function start(args: string[]): Promise<{ child: ChildProcess; result: Probe }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'], env: ENV });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.trim().startsWith('{'));
      if (line && out.includes('\n')) resolvePromise({ child, result: JSON.parse(line) as Probe });
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`${args.slice(2, 3).join(' ')} exited with ${code}: ${err.slice(-800)}`));
    });
  });
}

async function once(args: string[]): Promise<Probe> {
  const { child, result } = await start(args);
  child.stdin!.end();
  await new Promise((r) => child.on('exit', r));
  return result;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function together(args: string[], count: number): Promise<{ addedMB: number[]; modes: string[] }> {
  await sleep(2000);
  let before = usedMB();
  const children: ChildProcess[] = [];
  const addedMB: number[] = [];
  const modes: string[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const { child, result } = await start(args);
      children.push(child);
      await sleep(1500);
      const now = usedMB();
      addedMB.push(now - before);
      modes.push(result.weights?.mode ?? '?');
      before = now;
    }
  } finally {
    for (const c of children) c.stdin!.end();
    await Promise.all(children.map((c) => new Promise((r) => (c.exitCode === null ? c.on('exit', r) : r(undefined)))));
  }
  return { addedMB, modes };
}
/** Rounds of the shared engine with 3 windows; per window, the median over rounds of each figure. */
async function sharedEngine(): Promise<{ rounds: SharedWindow[][]; medians: SharedWindow[] }> {
  // The engine runs from its bundle, as the extension starts it: build it from the current sources.
  const built = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
  if (built.status !== 0) throw new Error('node scripts/build.mjs failed');
  const all: SharedWindow[][] = [];
  for (let round = 1; round <= sharedRounds; round++) {
    log(`shared engine, round ${round}/${sharedRounds}: 3 windows…`);
    const { windows } = await measureSharedEngine({ daemonScript, modelDir, threads: Number(threads), windows: 3, promptTokens: PROMPT_TOKENS, newTokens: NEW_TOKENS });
    all.push(windows);
  }
  const medians = all[0].map((w, i) => ({
    ...w,
    addedMB: median(all.map((r) => r[i].addedMB)),
    engineRssMB: median(all.map((r) => r[i].engineRssMB)),
    enginePeakMB: median(all.map((r) => r[i].enginePeakMB)),
    loadMs: median(all.map((r) => r[i].loadMs)),
    generateMs: median(all.map((r) => r[i].generateMs)),
  }));
  return { rounds: all, medians };
}

function sharedLines(shared: Awaited<ReturnType<typeof sharedEngine>>): string[] {
  const mb = (x: number) => `${x.toFixed(0)} MB`;
  const m = shared.medians;
  return [
    `Shared engine (one process for every window, as the extension runs it; fast path), ${sharedRounds} rounds (medians), each window ${PROMPT_TOKENS} + ${NEW_TOKENS} tokens in its own cache slot; weights: ${m[0].weights?.mode ?? '?'}${m[0].weights?.reason ? ` (${m[0].weights.reason})` : ''}.`,
    '',
    '| window | machine used memory added | engine RSS after it | engine peak RSS | load as the window sees it | generation |',
    '|---|---|---|---|---|---|',
    ...m.map((w, i) => `| ${i + 1} | ${mb(w.addedMB)} | ${mb(w.engineRssMB)} | ${mb(w.enginePeakMB)} | ${(w.loadMs / 1000).toFixed(2)} s | ${(w.generateMs / 1000).toFixed(2)} s |`),
    '',
    `Per round, added by windows 1/2/3: ${shared.rounds.map((r) => r.map((w) => w.addedMB.toFixed(0)).join('/')).join(', ')} MB.`,
  ];
}

async function main(): Promise<void> {
  if (values['only-shared']) {
    const loadBefore = loadavg();
    log(`load average before: ${loadBefore}`);
    const shared = await sharedEngine();
    const report = [...sharedLines(shared), '', `Load average ${loadBefore} before, ${loadavg()} after.`].join('\n');
    process.stdout.write(`${report}\n`);
    return;
  }
  const onnxDir = join(modelDir, 'onnx');
  for (const name of readdirSync(onnxDir)) if (name.startsWith('r1-prepacked-')) rmSync(join(onnxDir, name), { recursive: true, force: true });
  const loadBefore = loadavg();
  log(`load average before: ${loadBefore}`);

  log('first loads (save the pre-packed weights, then check a mapped session against them)…');
  const firstFast = await once(probeArgs([]));
  const firstExact = await once(probeArgs(['--exact']));

  const configs: Record<string, string[]> = {
    'llama.cpp, no mmap': llamaArgs(['--no-mmap']),
    'llama.cpp, mmap': llamaArgs([]),
    'engine fast path, heap (saving off)': probeArgs(['--no-prepack']),
    'engine fast path, prepack on': probeArgs([]),
    'engine exact path, heap (saving off)': probeArgs(['--no-prepack', '--exact']),
    'engine exact path, mapped': probeArgs(['--exact']),
  };
  const runs: Record<string, Probe[]> = Object.fromEntries(Object.keys(configs).map((k) => [k, []]));
  for (let round = 1; round <= rounds; round++) {
    for (const [name, args] of Object.entries(configs)) {
      log(`round ${round}/${rounds}: ${name}`);
      runs[name].push(await once(args));
    }
  }

  log('3 processes at once: exact path, mapped…');
  const mappedTogether = await together(probeArgs(['--exact', '--hold']), 3);
  log('3 processes at once: fast path, heap…');
  const heapTogether = await together(probeArgs(['--no-prepack', '--hold']), 3);
  const shared = await sharedEngine();
  const loadAfter = loadavg();

  const llamaNoMmap = median(runs['llama.cpp, no mmap'].map((r) => r.peakRssMB));
  const llamaLoad = median(runs['llama.cpp, mmap'].map((r) => r.loadMs));
  const row = (name: string, rs: Probe[]) => {
    const rss = median(rs.map((r) => r.peakRssMB));
    const load = median(rs.map((r) => r.loadMs));
    const mode = rs[0].weights ? ` (${rs[0].weights.mode})` : '';
    return `| ${name}${mode} | ${(load / 1000).toFixed(2)} s | ${(load / llamaLoad).toFixed(2)} | ${(rss / 1024).toFixed(2)} GB | ${(rss / llamaNoMmap).toFixed(2)} |`;
  };
  const lines = [
    `Full-size generated model (optimum q4 structure, real 1.5B dims), ${threads} threads, ${rounds} rounds (medians), 128-token prompt + 16 new tokens per process; load average ${loadBefore} before, ${loadAfter} after.`,
    '',
    '| process | load | × llama.cpp load (mmap) | peak RSS | × llama.cpp RSS (no mmap) |',
    '|---|---|---|---|---|',
    ...Object.entries(runs).map(([name, rs]) => row(name, rs)),
    row('engine fast path, first load: save + check', [firstFast]),
    row('engine exact path, first load: save + check', [firstExact]),
    '',
    '| processes alive at once | 1st adds | 2nd adds | 3rd adds |',
    '|---|---|---|---|',
    `| engine exact path, mapped (${mappedTogether.modes.join(', ')}) | ${mappedTogether.addedMB.map((m) => `${m.toFixed(0)} MB`).join(' | ')} |`,
    `| engine fast path, heap (${heapTogether.modes.join(', ')}) | ${heapTogether.addedMB.map((m) => `${m.toFixed(0)} MB`).join(' | ')} |`,
  ];
  if (firstFast.weights?.reason) lines.push('', `Fast path after its first load: ${firstFast.weights.mode}: ${firstFast.weights.reason}`);
  const llamaMmapRss = median(runs['llama.cpp, mmap'].map((r) => r.peakRssMB));
  lines.push(
    '',
    ...sharedLines(shared),
    '',
    `llama.cpp has no shared mode: each window runs its own process, ${(llamaNoMmap / 1024).toFixed(2)} GB peak RSS without mmap, ${(llamaMmapRss / 1024).toFixed(2)} GB with mmap (of which the mapped file is shared between processes).`,
  );
  const report = lines.join('\n');
  process.stdout.write(`${report}\n`);
  const outDir = resolve(values.out!);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'memory.md'), `${report}\n`);
  writeFileSync(join(outDir, 'memory.json'), JSON.stringify({ firstFast, firstExact, runs, mappedTogether, heapTogether, shared, loadBefore, loadAfter }, null, 2));
}

void main();
