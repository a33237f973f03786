// The rewrite changes how the cache is fed and where attention reads it, never what the model
// computes: on every real-export sample its logits stay within a small tolerance of the graph as
// exported over a 24-step greedy run, and again after the cache is rolled back (prefix reuse).
// The rewrite also raises MatMulNBits to accuracy_level 4 (int8 activations) on purpose; its
// quantisation of activations is discontinuous (a 1e-6 change can flip an int8 step and move a logit
// by 0.2 on these weights), so here the rewrite runs with that step off and the comparison isolates
// the attention and cache rewrite. The tokens at level 4 are checked in realExports.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspectModelFolder } from '../../engine/model/modelFolder';
import type { KvCache } from '../../engine/runtime/kvCache';
import { openModelRunner, type OpenedRunner } from '../../engine/runtime/openRunner';
import { realExports, scratchCopy } from '../helpers/realExports';
import { argmax, maxAbsDiff } from '../helpers/fixtureModelRunner';

const STEPS = 24;
const ROLLBACK_TO = 12;
/** float32 graphs compute the same sums in another order: within 1e-3. */
const FLOAT32_TOLERANCE = 1e-3;
/** float16 graphs round every activation: within 8 float16 ulps of the step's largest logit. */
const FLOAT16_ULPS = 8;

function float16Ulp(magnitude: number): number {
  return 2 ** (Math.floor(Math.log2(Math.max(magnitude, 2 ** -14))) - 10);
}

for (const sample of realExports()) {
  test(`${sample.name}: rewritten logits stay within tolerance of the exported graph's over ${STEPS} steps and a rollback`, async () => {
    const copy = scratchCopy(sample);
    const folder = await inspectModelFolder(copy.dir);
    const options = { requested: 'cpu' as const, threads: 1 };
    let rewritten: OpenedRunner | undefined;
    let exported: OpenedRunner | undefined;
    try {
      rewritten = await openModelRunner(folder.onnxPath, folder.config, { ...options, rewrite: true, raiseAccuracyLevel: false });
      exported = await openModelRunner(folder.onnxPath, folder.config, { ...options, rewrite: false });
      assert.equal(rewritten.runtime.kvCache, 'in-place');
      assert.equal(exported.runtime.kvCache, 'fetched');
      // The exported graph's compute type decides the tolerance (float16 inside even with float32 I/O).
      const float16 = rewritten.io.kvDtype === 'float16';
      const cacheR: KvCache = rewritten.runner.newCache();
      const cacheE: KvCache = exported.runner.newCache();
      let worst = 0;
      const compare = async (tokens: number[]) => {
        const [r, e] = [await rewritten!.runner.forward(tokens, cacheR), await exported!.runner.forward(tokens, cacheE)];
        const tolerance = float16 ? FLOAT16_ULPS * float16Ulp(Math.max(...e.map(Math.abs))) : FLOAT32_TOLERANCE;
        const diff = maxAbsDiff(r, e);
        assert.ok(diff <= tolerance, `max |Δlogit| ${diff} exceeds ${tolerance} after ${cacheE.length} positions`);
        worst = Math.max(worst, diff);
        return e;
      };
      let logits = await compare(sample.prompt);
      const generated: number[] = [];
      for (let step = 0; step < STEPS; step++) {
        generated.push(argmax(logits));
        logits = await compare([generated[step]]);
      }
      assert.deepEqual(generated.slice(0, sample.tokens.length), sample.tokens, 'teacher-forced on the exported logits, the tokens are the expected ones');
      // Roll both caches back and run the same continuation again.
      cacheR.truncate(sample.prompt.length + ROLLBACK_TO);
      cacheE.truncate(sample.prompt.length + ROLLBACK_TO);
      for (let step = ROLLBACK_TO; step < STEPS; step++) {
        const again = await compare([generated[step]]);
        if (step + 1 < STEPS) assert.equal(argmax(again), generated[step + 1], `step ${step + 1} after the rollback`);
      }
      assert.ok(worst > 0 || !float16, 'a float16 comparison that never differs would suggest both sides ran the same graph');
    } finally {
      await rewritten?.runner.release();
      await exported?.runner.release();
      copy.remove();
    }
  });
}
