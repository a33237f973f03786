// Runs the project's tests with node's built-in test runner (TypeScript through tsx).
// Usage: node scripts/test.mjs [--unit] [file ...]
//   no arguments: every layer (unit, engine, e2e); --unit: pure unit tests only; files: just those.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function findTests(dir) {
  let out = [];
  let names;
  try { names = readdirSync(dir); } catch { return out; }
  for (const name of names.sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out = out.concat(findTests(p));
    else if (/\.test\.ts$/.test(name)) out.push(p);
  }
  return out;
}

const args = process.argv.slice(2);
const files = args.filter((a) => !a.startsWith('--'));
const layers = args.includes('--unit') ? ['test/unit'] : ['test/unit', 'test/engine', 'test/host', 'test/e2e'];
const targets = files.length > 0 ? files : layers.flatMap(findTests);

const build = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

// The browser tests need code-server and Chromium: install them when missing (fast when present).
if (targets.some((t) => t.replace(/\\/g, '/').includes('test/e2e/'))) {
  const setup = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/e2e/setup.ts'], { stdio: 'inherit' });
  if (setup.status !== 0) process.exit(setup.status ?? 1);
}

const run = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', ...targets],
  { stdio: 'inherit', env: { ...process.env, R1_LOCAL_TEST: '1' } },
);
process.exit(run.status ?? 1);
