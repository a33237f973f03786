// `r1-local generate --json`, run as users run it (the built dist/cli.js in a child process), on
// every real-export sample with the rewrite on and off: the exported graph's greedy tokens, and a
// "runtime" object that says which graph ran and how its KV cache was fed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { realExports, scratchCopy } from '../helpers/realExports';

const CLI = resolve('dist/cli.js');
const run = promisify(execFile);

for (const sample of realExports()) {
  test(`r1-local generate --json on ${sample.name}: expected tokens, rewritten and as exported`, async () => {
    assert.ok(existsSync(CLI), 'dist/cli.js is built (scripts/test.mjs builds first)');
    const copy = scratchCopy(sample);
    try {
      const base = ['generate', '--model', copy.dir, '--prompt-ids', sample.prompt.join(','), '--greedy', '--max-new-tokens', String(sample.tokens.length), '--ep', 'cpu', '--threads', '1', '--json'];
      for (const [flags, runtime] of [
        [[], { graph: 'rewritten', kvCache: 'in-place' }],
        [['--as-exported'], { graph: 'as-exported', kvCache: 'fetched' }],
      ] as const) {
        const { stdout } = await run(process.execPath, [CLI, ...base, ...flags], { timeout: 60_000 });
        const result = JSON.parse(stdout) as { tokenIds: number[]; runtime: { graph: string; kvCache: string; reason?: string } };
        assert.deepEqual(result.tokenIds, sample.tokens);
        assert.equal(result.runtime.graph, runtime.graph);
        assert.equal(result.runtime.kvCache, runtime.kvCache);
        // A reason only off the fast path.
        assert.equal(result.runtime.reason === undefined, runtime.graph === 'rewritten');
      }
    } finally {
      copy.remove();
    }
  });
}
