// Drives a generated model with onnxruntime-node directly, the way a decoder loop does: feeds
// input_ids / attention_mask / (position_ids) / past_key_values.*, returns logits and present.*.
// Batch 1. Used by the fixture tests to check the graphs themselves, independently of the engine.
import * as ort from 'onnxruntime-node';
import type { FixtureModel } from '../../engine/fixtures';

export interface KvCache {
  /** past_key_values.N.key / value tensors, [1, kvHeads, length, headDim]. */
  tensors: Record<string, ort.Tensor>;
  length: number;
}

export interface StepResult {
  /** One row of vocabulary logits per input position. */
  logits: Float32Array[];
  cache: KvCache;
}

export async function openSession(model: FixtureModel): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(model.onnxPath, { intraOpNumThreads: 1, interOpNumThreads: 1 });
}

function int64(values: number[]): BigInt64Array {
  return BigInt64Array.from(values, (v) => BigInt(v));
}

function emptyKv(model: FixtureModel): ort.Tensor {
  const { numKvHeads, headDim } = model.dims;
  const dims = [1, numKvHeads, 0, headDim];
  return model.kvDtype === 'float16' ? new ort.Tensor('float16', new Uint16Array(0), dims) : new ort.Tensor('float32', new Float32Array(0), dims);
}

export function emptyCache(model: FixtureModel): KvCache {
  const tensors: Record<string, ort.Tensor> = {};
  for (let l = 0; l < model.dims.numLayers; l++) {
    tensors[`past_key_values.${l}.key`] = emptyKv(model);
    tensors[`past_key_values.${l}.value`] = emptyKv(model);
  }
  return { tensors, length: 0 };
}

/** Runs `ids` after `cache` (positions continue from the cache length). */
export async function step(session: ort.InferenceSession, model: FixtureModel, ids: number[], cache: KvCache = emptyCache(model)): Promise<StepResult> {
  const total = cache.length + ids.length;
  const feeds: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor('int64', int64(ids), [1, ids.length]),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(total).fill(1n), [1, total]),
    ...cache.tensors,
  };
  if (model.style === 'optimum') feeds.position_ids = new ort.Tensor('int64', int64(ids.map((_, i) => cache.length + i)), [1, ids.length]);
  const out = await session.run(feeds);
  const V = model.dims.vocabSize;
  const data = out.logits.data as Float32Array;
  const logits = ids.map((_, i) => data.slice(i * V, (i + 1) * V));
  const tensors: Record<string, ort.Tensor> = {};
  for (let l = 0; l < model.dims.numLayers; l++) {
    tensors[`past_key_values.${l}.key`] = out[`present.${l}.key`];
    tensors[`past_key_values.${l}.value`] = out[`present.${l}.value`];
  }
  return { logits, cache: { tensors, length: total } };
}

/** Keeps the first `length` positions of a cache ([1, heads, T, dim]: one copy per head). */
export function truncateCache(cache: KvCache, length: number): KvCache {
  const tensors: Record<string, ort.Tensor> = {};
  for (const [name, t] of Object.entries(cache.tensors)) {
    const [b, heads, T, dim] = t.dims;
    const src = t.data as Float32Array | Uint16Array;
    const dst = new (src.constructor as Float32ArrayConstructor | Uint16ArrayConstructor)(b * heads * length * dim);
    for (let h = 0; h < b * heads; h++) dst.set(src.subarray(h * T * dim, h * T * dim + length * dim), h * length * dim);
    tensors[name] = new ort.Tensor(t.type as 'float32', dst as Float32Array, [b, heads, length, dim]);
  }
  return { tensors, length };
}

export function argmax(row: Float32Array): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`length mismatch ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/**
 * Greedy decoding feeding present.* back as past: the prompt in chunks of `chunk` tokens (default:
 * all at once), then one token per step until eos or `maxNewTokens`. Returns the generated ids.
 */
export async function greedyDecode(
  session: ort.InferenceSession,
  model: FixtureModel,
  prompt: number[],
  maxNewTokens: number,
  options: { chunk?: number; cache?: KvCache } = {},
): Promise<{ ids: number[]; cache: KvCache }> {
  let cache = options.cache ?? emptyCache(model);
  const chunk = options.chunk ?? prompt.length;
  let last: Float32Array | undefined;
  for (let i = 0; i < prompt.length; i += chunk) {
    const r = await step(session, model, prompt.slice(i, i + chunk), cache);
    cache = r.cache;
    last = r.logits[r.logits.length - 1];
  }
  if (!last) throw new Error('greedyDecode: empty prompt');
  const ids: number[] = [];
  while (ids.length < maxNewTokens) {
    const next = argmax(last);
    ids.push(next);
    if (model.eosTokenIds.includes(next)) break;
    const r = await step(session, model, [next], cache);
    cache = r.cache;
    last = r.logits[0];
  }
  return { ids, cache };
}
