import { test } from 'node:test';
import assert from 'node:assert/strict';
import { argmax, createSampler, samplableIds, SamplingError } from '../../engine/generation/sampler';
import { createRng } from '../../engine/generation/rng';

/** A vocabulary-sized row (R1: 151,936) with a few chosen logits, the rest very unlikely. */
function bigRow(size: number, chosen: Record<number, number>, rest = -20): Float32Array {
  const row = new Float32Array(size).fill(rest);
  for (const [id, v] of Object.entries(chosen)) row[Number(id)] = v;
  return row;
}

function drawMany(options: Parameters<typeof createSampler>[0], row: Float32Array, n: number): Map<number, number> {
  const sampler = createSampler(options);
  const counts = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const id = sampler.sample(row);
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

test('rng: same seed, same sequence; different seeds differ; values in [0, 1)', () => {
  const a = createRng(42);
  const b = createRng(42);
  const c = createRng(43);
  const sa = Array.from({ length: 100 }, () => a.next());
  const sb = Array.from({ length: 100 }, () => b.next());
  const sc = Array.from({ length: 100 }, () => c.next());
  assert.deepEqual(sa, sb);
  assert.notDeepEqual(sa, sc);
  assert.ok(sa.every((x) => x >= 0 && x < 1));
  assert.throws(() => createRng(Number.NaN), RangeError);
});

test('greedy picks the argmax (first on ties), ignores masked entries, and does not modify the logits', () => {
  const row = Float32Array.from([0.5, 3, -Infinity, 3, Number.NaN]);
  const copy = Float32Array.from(row);
  assert.equal(argmax(row), 1);
  assert.equal(createSampler({ greedy: true }).sample(row), 1);
  assert.equal(createSampler({ temperature: 0, seed: 1 }).sample(row), 1);
  assert.deepEqual([...row].map(String), [...copy].map(String));
  assert.throws(() => argmax(Float32Array.from([-Infinity, -Infinity])), SamplingError);
});

test('seeded sampling over a 151,936-token row is reproducible and seed-dependent', () => {
  const row = new Float32Array(151_936);
  for (let i = 0; i < row.length; i++) row[i] = Math.sin(i * 12.9898) * 4; // many plausible tokens
  const options = { temperature: 0.8, topK: 50, topP: 0.95, seed: 1234 };
  const run = (seed: number) => {
    const sampler = createSampler({ ...options, seed });
    return Array.from({ length: 40 }, () => sampler.sample(row));
  };
  assert.deepEqual(run(1234), run(1234));
  assert.notDeepEqual(run(1234), run(99));
  const unrestricted = createSampler({ temperature: 1, topP: 0.9, seed: 5 });
  const again = createSampler({ temperature: 1, topP: 0.9, seed: 5 });
  assert.equal(unrestricted.sample(row), again.sample(row));
});

test('top-k: only the k best ids can ever be chosen, and each of them is', () => {
  const row = bigRow(151_936, { 10: 2.0, 20: 1.9, 30: 1.8, 40: 1.7, 50: 1.0 }, 1.5);
  // With rest = 1.5 the vocabulary is flat except for these: top-3 must still be exactly {10, 20, 30}.
  const counts = drawMany({ temperature: 1, topK: 3, seed: 7 }, row, 600);
  assert.deepEqual([...counts.keys()].sort((a, b) => a - b), [10, 20, 30]);
  const top1 = drawMany({ temperature: 5, topK: 1, seed: 3 }, row, 50);
  assert.deepEqual([...top1.keys()], [10]);
});

test('top-p: the smallest set reaching the mass is kept (the crossing token included)', () => {
  // probabilities 0.5, 0.3, 0.15, 0.05 (temperature 1)
  const probs = [0.5, 0.3, 0.15, 0.05];
  const row = Float32Array.from(probs.map(Math.log));
  assert.deepEqual([...drawMany({ topP: 0.5, seed: 1 }, row, 300).keys()].sort(), [0]);
  assert.deepEqual([...drawMany({ topP: 0.7, seed: 2 }, row, 600).keys()].sort(), [0, 1]);
  assert.deepEqual([...drawMany({ topP: 0.9, seed: 3 }, row, 900).keys()].sort(), [0, 1, 2]);
  assert.deepEqual([...drawMany({ topP: 1, seed: 4 }, row, 2000).keys()].sort(), [0, 1, 2, 3]);
  // Combined with top-k, the cut applies to the top-k set.
  assert.deepEqual([...drawMany({ topK: 2, topP: 0.95, seed: 5 }, row, 600).keys()].sort(), [0, 1]);
});

test('top-p over a large row, unsorted: ids outside the nucleus are never drawn', () => {
  const row = bigRow(151_936, { 77_000: 5, 3: 4.5, 150_000: 4 }, -20);
  const counts = drawMany({ topP: 0.9, seed: 11 }, row, 400);
  for (const id of counts.keys()) assert.ok([77_000, 3, 150_000].includes(id), `unexpected id ${id}`);
  assert.ok(counts.size >= 2);
});

test('sampling frequencies follow the distribution (loose bound, fixed seed)', () => {
  const row = Float32Array.from([Math.log(0.7), Math.log(0.3)]);
  const counts = drawMany({ seed: 2024 }, row, 2000);
  const share = (counts.get(0) ?? 0) / 2000;
  assert.ok(share > 0.65 && share < 0.75, `share of id 0 was ${share}`);
  // Low temperature sharpens towards the argmax.
  const cold = drawMany({ temperature: 0.1, seed: 2024 }, row, 500);
  assert.ok((cold.get(0) ?? 0) > 495);
});

test('masked tokens are never drawn; a fully masked row is an error; bad options are rejected', () => {
  const row = Float32Array.from([-Infinity, 0, -Infinity, 0]);
  const counts = drawMany({ seed: 9 }, row, 300);
  assert.deepEqual([...counts.keys()].sort(), [1, 3]);
  assert.throws(() => createSampler({ seed: 1 }).sample(Float32Array.from([-Infinity, -Infinity])), SamplingError);
  const forced = drawMany({ seed: 4 }, Float32Array.from([Infinity, 3, Infinity]), 200);
  assert.deepEqual([...forced.keys()].sort(), [0, 2], '+Infinity logits take all the probability');
  assert.throws(() => createSampler({ temperature: -1 }), RangeError);
  assert.throws(() => createSampler({ topK: 1.5 }), RangeError);
  assert.throws(() => createSampler({ topP: 0 }), RangeError);
  assert.throws(() => createSampler({ topP: 1.2 }), RangeError);
});

/** Reference: full sort, then Hugging Face's top-k and top-p rules. */
function referenceIds(logits: Float32Array, temperature: number, topK: number, topP: number): number[] {
  let order = [...logits.keys()].filter((i) => logits[i] > -Infinity).sort((a, b) => logits[b] - logits[a] || a - b);
  if (topK > 0) order = order.slice(0, topK);
  const max = logits[order[0]];
  const weights = order.map((i) => Math.exp((logits[i] - max) / temperature));
  const total = weights.reduce((a, b) => a + b, 0);
  let mass = 0;
  let kept = order.length;
  for (let i = 0; i < order.length; i++) {
    mass += weights[i] / total;
    if (mass >= topP) {
      kept = i + 1;
      break;
    }
  }
  return order.slice(0, kept).sort((a, b) => a - b);
}

test('partial selection keeps exactly the ids a full sort would (random rows, with masked entries)', () => {
  const rng = createRng(77);
  for (let trial = 0; trial < 60; trial++) {
    const size = 50 + Math.floor(rng.next() * 3000);
    const row = new Float32Array(size);
    for (let i = 0; i < size; i++) row[i] = rng.next() < 0.05 ? -Infinity : (rng.next() - 0.5) * 12;
    const temperature = [0.3, 0.6, 1, 1.7][trial % 4];
    const topK = [0, 1, 7, 40, 5000][trial % 5];
    const topP = [1, 0.95, 0.5, 0.8, 0.999, 0.1][trial % 6];
    assert.deepEqual(samplableIds(row, { temperature, topK, topP }), referenceIds(row, temperature, topK, topP), `trial ${trial}`);
  }
});
