// Picks the next token from (already processed) logits: greedy argmax, or temperature + top-k +
// top-p sampling with a seeded RNG. Vocabularies are large (151,936 for R1), so nothing sorts the
// whole array: top-k keeps a size-k min-heap in one pass, and top-p pops a max-heap (built in
// linear time) only until the requested probability mass is reached.
// Masked tokens (-Infinity) are never chosen; NaN logits are treated as masked.

import type { SamplingOptions } from '../types';
import { createRng, randomSeed, type Rng } from './rng';

export interface Sampler {
  /** The next token id for these logits (one row, vocabulary-sized). Does not modify `logits`. */
  sample(logits: Float32Array): number;
}

export class SamplingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SamplingError';
  }
}

/** Index of the largest logit (first one on ties); masked (-Infinity / NaN) entries never win. */
export function argmax(logits: Float32Array): number {
  let best = -1;
  let bestValue = -Infinity;
  for (let i = 0; i < logits.length; i++) {
    const v = logits[i];
    if (v > bestValue) {
      bestValue = v;
      best = i;
    }
  }
  if (best < 0) throw new SamplingError('every token is masked: nothing can be sampled');
  return best;
}

function checkOptions(options: SamplingOptions): void {
  const { temperature, topK, topP } = options;
  if (temperature !== undefined && !(temperature >= 0 && Number.isFinite(temperature))) {
    throw new RangeError(`temperature must be a finite number >= 0, got ${temperature}`);
  }
  if (topK !== undefined && !(Number.isInteger(topK) && topK >= 0)) {
    throw new RangeError(`topK must be an integer >= 0 (0 = off), got ${topK}`);
  }
  if (topP !== undefined && !(topP > 0 && topP <= 1)) {
    throw new RangeError(`topP must be in (0, 1], got ${topP}`);
  }
}

/**
 * Build a sampler. `greedy: true` or `temperature: 0` gives argmax. Otherwise defaults are
 * temperature 1, top-k off (0), top-p 1 (off). Repetition penalty is a logits processor, not here.
 */
export function createSampler(options: SamplingOptions = {}): Sampler {
  checkOptions(options);
  if (options.greedy || options.temperature === 0) return { sample: argmax };
  const rng = createRng(options.seed ?? randomSeed());
  const temperature = options.temperature ?? 1;
  const topK = options.topK ?? 0;
  const topP = options.topP ?? 1;
  return { sample: (logits) => sampleFiltered(logits, temperature, topK, topP, rng) };
}

/** Candidate ids with their probabilities (not yet renormalised after a top-p cut). */
interface Candidates {
  ids: Int32Array;
  probs: Float64Array;
  /** True when ids are in descending probability order. */
  sorted: boolean;
}

function sampleFiltered(logits: Float32Array, temperature: number, topK: number, topP: number, rng: Rng): number {
  const { candidates, kept } = filterCandidates(logits, temperature, topK, topP);
  return draw(candidates, kept, rng);
}

function filterCandidates(logits: Float32Array, temperature: number, topK: number, topP: number): { candidates: Candidates; kept: number } {
  const candidates = topK > 0 && topK < logits.length ? topKCandidates(logits, topK) : allCandidates(logits);
  if (candidates.ids.length === 0) throw new SamplingError('every token is masked: nothing can be sampled');
  softmaxInPlace(candidates, logits, temperature);
  const kept = topP < 1 ? topPCut(candidates, topP) : candidates.ids.length;
  return { candidates, kept };
}

/**
 * The ids a non-greedy sampler with these options can draw from `logits`, ascending — what
 * temperature + top-k + top-p leave. For tests and diagnostics; sampling does not sort.
 */
export function samplableIds(logits: Float32Array, options: Pick<SamplingOptions, 'temperature' | 'topK' | 'topP'> = {}): number[] {
  checkOptions(options);
  const { candidates, kept } = filterCandidates(logits, options.temperature || 1, options.topK ?? 0, options.topP ?? 1);
  return Array.from(candidates.ids.subarray(0, kept)).sort((a, b) => a - b);
}

/** Every unmasked id (logit > -Infinity; NaN fails the comparison and counts as masked). */
function allCandidates(logits: Float32Array): Candidates {
  const all = new Int32Array(logits.length);
  let count = 0;
  for (let i = 0; i < logits.length; i++) if (logits[i] > -Infinity) all[count++] = i;
  return { ids: all.subarray(0, count), probs: new Float64Array(count), sorted: false };
}

/** The k largest finite logits, descending, via a size-k min-heap (O(V log k)). */
function topKCandidates(logits: Float32Array, k: number): Candidates {
  const heap = new Int32Array(k); // ids; heap[0] has the smallest logit of the kept ones
  let size = 0;
  const less = (a: number, b: number) => logits[a] < logits[b] || (logits[a] === logits[b] && a > b);
  const siftDown = (start: number) => {
    let i = start;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < size && less(heap[l], heap[m])) m = l;
      if (r < size && less(heap[r], heap[m])) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m], heap[i]];
      i = m;
    }
  };
  for (let id = 0; id < logits.length; id++) {
    if (!(logits[id] > -Infinity)) continue;
    if (size < k) {
      let i = size++;
      heap[i] = id;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!less(heap[i], heap[parent])) break;
        [heap[i], heap[parent]] = [heap[parent], heap[i]];
        i = parent;
      }
    } else if (less(heap[0], id)) {
      heap[0] = id;
      siftDown(0);
    }
  }
  // Pop the min repeatedly: fills the output from the back, giving descending order.
  const ids = new Int32Array(size);
  for (let out = size - 1; out >= 0; out--) {
    ids[out] = heap[0];
    heap[0] = heap[--size];
    siftDown(0);
  }
  return { ids, probs: new Float64Array(ids.length), sorted: true };
}

function softmaxInPlace(c: Candidates, logits: Float32Array, temperature: number): void {
  const { ids, probs } = c;
  let max = -Infinity;
  for (let i = 0; i < ids.length; i++) if (logits[ids[i]] > max) max = logits[ids[i]];
  if (max === Infinity) {
    // A processor forced some tokens: they share all the probability.
    let forced = 0;
    for (let i = 0; i < ids.length; i++) forced += probs[i] = logits[ids[i]] === Infinity ? 1 : 0;
    for (let i = 0; i < ids.length; i++) probs[i] /= forced;
    return;
  }
  const scale = 1 / temperature;
  let sum = 0;
  for (let i = 0; i < ids.length; i++) {
    const p = Math.exp((logits[ids[i]] - max) * scale);
    probs[i] = p;
    sum += p;
  }
  const inv = 1 / sum;
  for (let i = 0; i < probs.length; i++) probs[i] *= inv;
}

/**
 * Keep the smallest set of most probable tokens whose mass reaches `topP` (the token that crosses
 * the threshold is kept; at least one always is), as Hugging Face's TopPLogitsWarper does.
 * Reorders `c` so the kept tokens come first; returns how many are kept.
 */
function topPCut(c: Candidates, topP: number): number {
  if (!c.sorted) return nucleusPartition(c, topP);
  let mass = 0;
  for (let i = 0; i < c.ids.length; i++) {
    mass += c.probs[i];
    if (mass >= topP) return i + 1;
  }
  return c.ids.length;
}

/**
 * The top-p set of unsorted candidates in expected linear time (quickselect on mass, no sort):
 * three-way partition the unresolved range around a pivot probability, then continue in the part
 * where the cumulative mass crosses `topP`. The kept tokens end up first, in no particular order
 * (drawing does not need an order). Ties at the cut keep the lower positions, deterministically.
 */
function nucleusPartition(c: Candidates, topP: number): number {
  const { ids, probs } = c;
  const swap = (i: number, j: number) => {
    const id = ids[i];
    ids[i] = ids[j];
    ids[j] = id;
    const p = probs[i];
    probs[i] = probs[j];
    probs[j] = p;
  };
  let lo = 0;
  let hi = ids.length; // unresolved range [lo, hi); everything before lo is kept
  let massBefore = 0;
  while (hi - lo > 1) {
    const pivot = medianOfThree(probs[lo], probs[(lo + hi) >> 1], probs[hi - 1]);
    // Dutch national flag: [lo, gt) > pivot, [gt, i) == pivot, [lt, hi) < pivot.
    let gt = lo;
    let i = lo;
    let lt = hi;
    while (i < lt) {
      if (probs[i] > pivot) swap(i++, gt++);
      else if (probs[i] < pivot) swap(i, --lt);
      else i++;
    }
    let greaterMass = 0;
    for (let k = lo; k < gt; k++) greaterMass += probs[k];
    if (massBefore + greaterMass >= topP) {
      hi = gt; // the cut is among the larger ones
      continue;
    }
    massBefore += greaterMass;
    for (let k = gt; k < lt; k++) {
      massBefore += probs[k];
      if (massBefore >= topP) return k + 1;
    }
    lo = lt; // all of them kept; the cut is among the smaller ones
  }
  return Math.max(1, hi);
}

function medianOfThree(a: number, b: number, c: number): number {
  if (a > b) [a, b] = [b, a];
  if (b > c) b = c;
  return a > b ? a : b;
}

/** Draw among the first `kept` candidates, proportionally to their probabilities. */
function draw(c: Candidates, kept: number, rng: Rng): number {
  let total = 0;
  for (let i = 0; i < kept; i++) total += c.probs[i];
  let r = rng.next() * total;
  for (let i = 0; i < kept; i++) {
    r -= c.probs[i];
    if (r < 0) return c.ids[i];
  }
  return c.ids[kept - 1]; // rounding left r marginally >= 0
}
