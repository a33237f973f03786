// Measures the model manager's two throughputs (not a test: numbers depend on the machine):
//   1. download over loopback: the fake hub (with its CDN redirect) serving one large LFS file,
//      fetched by downloadModel — resumable writer, streaming sha256, rename — end to end;
//   2. sha256 hashing of a file on disk, as the first verification of a selected folder does.
// Usage: node --import tsx scripts/benchDownload.ts [--mb 1024] [--runs 3]
// Writes two files of --mb MB under the system temp folder and removes them afterwards.

import { randomFillSync } from 'node:crypto';
import { cpus, loadavg, tmpdir } from 'node:os';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { downloadModel } from '../engine/download/modelDownload';
import { hashFile } from '../engine/download/hashing';
import { HubServer } from '../test/helpers/hubServer';

const { values } = parseArgs({ options: { mb: { type: 'string', default: '1024' }, runs: { type: 'string', default: '3' } } });
const mb = Number(values.mb);
const runs = Number(values.runs);
if (!Number.isInteger(mb) || mb < 1 || !Number.isInteger(runs) || runs < 1) throw new Error('--mb and --runs must be positive integers');
const bytes = mb * 1_000_000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main(): Promise<void> {
const work = mkdtempSync(join(tmpdir(), 'r1-bench-download-'));
const content = Buffer.allocUnsafe(bytes);
for (let off = 0; off < bytes; off += 64 * 1024 * 1024) randomFillSync(content, off, Math.min(64 * 1024 * 1024, bytes - off));

const hub = await new HubServer().start();
try {
  hub.addRepo('bench/model', {
    'config.json': Buffer.from('{}'),
    'generation_config.json': Buffer.from('{}'),
    'tokenizer.json': Buffer.from('{}'),
    'tokenizer_config.json': Buffer.from('{}'),
    'onnx/model_q4.onnx': content,
  });
  console.log(`machine: ${cpus().length} CPUs (${cpus()[0]?.model}), load average before: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);

  const downloadRates: number[] = [];
  for (let i = 0; i < runs; i++) {
    const dir = join(work, `download-${i}`);
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const result = await downloadModel({ source: { endpoint: hub.hubUrl, repo: 'bench/model', revision: 'main', variant: 'q4' }, modelDir: dir });
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const rate = result.fetchedBytes / 1e6 / seconds;
    downloadRates.push(rate);
    console.log(
      `download run ${i + 1}: ${(result.fetchedBytes / 1e6).toFixed(0)} MB in ${seconds.toFixed(2)} s = ${rate.toFixed(0)} MB/s wall; ` +
        `${cpuSeconds.toFixed(2)} CPU-s for fake hub + downloader together = ${(result.fetchedBytes / 1e6 / cpuSeconds).toFixed(0)} MB per CPU-second`,
    );
    rmSync(dir, { recursive: true, force: true });
  }

  const file = join(work, 'hash-me.bin');
  writeFileSync(file, content);
  const hashRates: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await hashFile(file, bytes);
    const seconds = (performance.now() - started) / 1000;
    hashRates.push(bytes / 1e6 / seconds);
    console.log(`sha256 run ${i + 1}: ${mb} MB in ${seconds.toFixed(2)} s = ${(bytes / 1e6 / seconds).toFixed(0)} MB/s (page cache warm after run 1)`);
  }
  console.log(`median: download over loopback ${median(downloadRates).toFixed(0)} MB/s, sha256 of a ${mb} MB file ${median(hashRates).toFixed(0)} MB/s; load average after: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
} finally {
  await hub.stop();
  rmSync(work, { recursive: true, force: true });
}
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
