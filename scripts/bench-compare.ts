// npm run bench:compare — our engine against llama.cpp on the same model dims, machine and inputs.
// 1. Generates (once, cached under .cache/models/) the `full` synthetic model in the structure of
//    each public export variant asked for (the real exporters' graphs, see exportVariants.ts) and a
//    GGUF with the same dims and random Q4_0 weights.
// 2. Runs llama.cpp (node-llama-cpp, no mmap) and `r1-local bench` per variant alternately, each in
//    its own child process so its peak RSS is its own, for --rounds rounds.
// 3. Prints a table of medians with ratios ours/llama.cpp and noise flags, and writes it (Markdown
//    and JSON) plus a PNG chart of decode tok/s against context depth to bench-output/.
// Options: --rounds 2 --threads 2 --prompt-tokens 512 --new-tokens 64 --contexts 512,2048,4096
//          --variants genai-cpu-int4,community-gqa-q4,community-mha-q4f16,optimum-q4,optimum-q4f16
//          --bandwidth-gbs 26 --out bench-output
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Resvg } from '@resvg/resvg-js';
import type { BenchResult } from '../engine/bench/benchResult';
import { buildCompareReport, compareMarkdown, type EngineRuns } from '../engine/bench/compareTable';
import { bytesReadPerToken, decodeChartSvg, type ChartSeries } from '../engine/bench/decodeChart';
import { R1_1P5B_DIMS, writeQwen2Gguf } from '../engine/bench/ggufWriter';
import { readFixtureManifest, writeFixtureModel } from '../engine/fixtures';
import { inspectModelFolder } from '../engine/model/modelFolder';
import { prepareRewrittenGraph } from '../engine/runtime/rewrittenGraph';
import { isExportVariant, type ExportVariant } from '../engine/fixtures/exportVariants';

/** The likely published files (genai cpu-int4; onnx-community q4/q4f16 as builder graphs) and the Optimum alternatives. */
const DEFAULT_VARIANTS: ExportVariant[] = ['genai-cpu-int4', 'community-gqa-q4', 'community-mha-q4f16', 'optimum-q4', 'optimum-q4f16'];

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '2' },
    threads: { type: 'string', default: '2' },
    'prompt-tokens': { type: 'string', default: '512' },
    'new-tokens': { type: 'string', default: '64' },
    contexts: { type: 'string', default: '512,2048,4096' },
    variants: { type: 'string', default: DEFAULT_VARIANTS.join(',') },
    'bandwidth-gbs': { type: 'string', default: '26' },
    out: { type: 'string', default: 'bench-output' },
  },
  strict: true,
});

function positiveInt(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return n;
}
const rounds = positiveInt('rounds', values.rounds!);
const threads = positiveInt('threads', values.threads!);
const promptTokens = positiveInt('prompt-tokens', values['prompt-tokens']!);
const newTokens = positiveInt('new-tokens', values['new-tokens']!);
const contexts = values.contexts!.split(',').map((c) => positiveInt('contexts', c));
const variants = values.variants!.split(',').map((s) => {
  if (!isExportVariant(s)) throw new Error(`--variants takes export variant names, got ${s}`);
  return s;
});
const bandwidth = Number(values['bandwidth-gbs']) * 1e9;
const outDir = resolve(values.out!);
const modelsDir = resolve('.cache', 'models');

/** Prompt tokens of the explain-style prompt-lookup figure (the prompt appears twice). */
const LOOKUP_PROMPT_TOKENS = 256;

const log = (line: string) => process.stderr.write(`[bench:compare] ${line}\n`);

async function ensureOnnxModel(variant: ExportVariant): Promise<string> {
  const dir = join(modelsDir, `full-${variant}`);
  const existing = readFixtureManifest(dir);
  if (existing?.kind === 'full' && existing.variant === variant) return dir;
  log(`generating the full ${variant} model (1.4–2 GB, 10 s to 2 min)…`);
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  await writeFixtureModel({ kind: 'full', variant, style: 'optimum', out: tmp });
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return dir;
}

async function ensureGguf(): Promise<string> {
  const path = join(modelsDir, 'full-q4_0.gguf');
  if (existsSync(path)) return path;
  log('writing the Q4_0 GGUF with the same dims…');
  const tmp = `${path}.tmp-${process.pid}`;
  await writeQwen2Gguf(tmp, R1_1P5B_DIMS);
  renameSync(tmp, path);
  return path;
}

/** Runs one benchmark child; its last stdout line is a BenchResult. */
function runChild(label: string, args: string[]): Promise<BenchResult> {
  return new Promise((done, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_LLAMA_CPP_SKIP_DOWNLOAD: 'true' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const last = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`${label} exited with ${code}: ${stderr.trim().slice(-800)}`));
      try {
        done(JSON.parse(last) as BenchResult);
      } catch {
        reject(new Error(`${label} printed no result: ${stdout.slice(-400)} ${stderr.slice(-400)}`));
      }
    });
  });
}

async function main(): Promise<void> {
  mkdirSync(modelsDir, { recursive: true });
  const onnxDirs = new Map<ExportVariant, string>();
  for (const variant of variants) onnxDirs.set(variant, await ensureOnnxModel(variant));
  const gguf = await ensureGguf();
  const build = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error('the build failed');
  // Write the load-time rewrite of each graph now, so the measured loads are the everyday ones.
  for (const dir of onnxDirs.values()) await prepareRewrittenGraph((await inspectModelFolder(dir)).onnxPath);

  const common = ['--prompt-tokens', String(promptTokens), '--new-tokens', String(newTokens), '--contexts', contexts.join(','), '--threads', String(threads)];
  const peer: EngineRuns = { label: 'llama.cpp', runs: [] };
  const ours: EngineRuns[] = variants.map((s) => ({ label: `ours ${s}`, runs: [] }));
  for (let round = 0; round < rounds; round++) {
    // Alternate who goes first, so a slow neighbour or a cold page cache does not always hit the same engine.
    const order = round % 2 === 0 ? ['peer', ...variants] : [...variants, 'peer'];
    for (const who of order) {
      if (who === 'peer') {
        log(`round ${round + 1}/${rounds}: llama.cpp…`);
        peer.runs.push(await runChild('llama.cpp', ['--import', 'tsx', 'engine/bench/llamaCppRunner.mts', '--model', gguf, '--no-mmap', ...common]));
      } else {
        const variant = who as ExportVariant;
        log(`round ${round + 1}/${rounds}: ours (${variant})…`);
        const lookup = ['--prompt-lookup', String(LOOKUP_PROMPT_TOKENS)];
        ours[variants.indexOf(variant)].runs.push(await runChild(`ours ${variant}`, ['dist/cli.js', 'bench', '--model', onnxDirs.get(variant)!, '--json', ...lookup, ...common]));
      }
    }
  }

  const report = buildCompareReport(peer, ours, contexts, promptTokens);
  const markdown = [
    `# r1-local vs llama.cpp — ${new Date().toISOString()}`,
    '',
    `Same dims (DeepSeek-R1-Distill-Qwen-1.5B), random 4-bit weights, each ONNX model in the graph structure of the public export it is named after, ${threads} threads, ${promptTokens}-token prompt, ${newTokens} decoded tokens per depth, medians of ${rounds} alternating runs, each engine in its own process (llama.cpp without mmap).`,
    '',
    compareMarkdown(report),
  ].join('\n');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'compare.md'), `${markdown}\n`);
  writeFileSync(join(outDir, 'compare.json'), `${JSON.stringify({ settings: { rounds, threads, promptTokens, newTokens, contexts, variants: variants }, report, runs: { peer, ours } }, null, 2)}\n`);

  const colors = ['#1f77b4', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];
  const series: ChartSeries[] = [
    { label: 'llama.cpp (Q4_0)', color: '#d62728', points: contexts.map((c) => ({ x: c, y: report.rows.find((r) => r.figure === `decode @ ${c} ctx`)!.peer })) },
    ...ours.map((o, i) => ({
      label: o.label,
      color: colors[i % colors.length],
      points: contexts.map((c) => ({ x: c, y: report.rows.find((r) => r.figure === `decode @ ${c} ctx`)!.ours[i].value })),
    })),
    {
      label: `bandwidth limit (${values['bandwidth-gbs']} GB/s)`,
      color: '#7f7f7f',
      dashed: true,
      points: [0, ...contexts].map((c) => ({ x: c, y: bandwidth / bytesReadPerToken(R1_1P5B_DIMS, c) })),
    },
  ];
  const svg = decodeChartSvg('Decode speed vs context depth (1.5B dims, 4-bit)', series);
  writeFileSync(join(outDir, 'decode-vs-context.svg'), svg);
  writeFileSync(join(outDir, 'decode-vs-context.png'), new Resvg(svg, { font: { loadSystemFonts: true }, background: '#ffffff' }).render().asPng());
  process.stdout.write(`${markdown}\n\nWritten: ${join(values.out!, 'compare.md')}, compare.json, decode-vs-context.png\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:compare failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
