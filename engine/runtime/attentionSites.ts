// Finds each layer's attention in the graphs the public exporters make, so capacityAttention.ts can
// replace it with attention that reads the KV cache in place. Three forms exist (see the real
// export samples' descriptions in the test fixtures):
//   - com.microsoft GroupQueryAttention (onnxruntime-genai builder, cpu/cuda/dml): Q, K and V as
//     inputs, either packed in one projection (split here) or separate; rotary inside (do_rotary)
//     or applied before by RotaryEmbedding nodes;
//   - com.microsoft MultiHeadAttention (the builder's web graph): the past is concatenated with the
//     new rows outside the node and repeat_kv materialised before it;
//   - decomposed MatMul → Softmax → MatMul (Optimum traces), with the same Concat and repeat_kv.
// A form is recognised by its ops and how the past flows into it, never by a folder's layout.
// Anything unexpected returns a reason instead of a site, and the graph is left as it was.
import { onnx } from 'onnx-proto';
import { attribute, type GraphEditor } from './graphEditor';
import type { AttentionSite } from './capacityAttention';

type Node = onnx.INodeProto;

const MS = 'com.microsoft';
const PAST = /^past_key_values\.(\d+)\.(key|value)$/;
/** Ops that only reshape, copy or cast a tensor on its way from the cache to attention. */
const CARRIERS = new Set(['Reshape', 'Transpose', 'Expand', 'Unsqueeze', 'Squeeze', 'Identity', 'Cast']);

export type SiteSearch = { sites: AttentionSite[] } | { blocker: string };

interface PastDims {
  kvHeads: number;
  headDim: number;
}

function intAttr(node: Node, name: string, fallback: number): number {
  const a = attribute(node, name);
  return a ? Number(a.i) : fallback;
}

function floatAttr(node: Node, name: string, fallback: number): number {
  const a = attribute(node, name);
  return a ? Number(a.f) : fallback;
}

function pastDims(ed: GraphEditor, past: string): PastDims | undefined {
  const dims = ed.input(past)?.type?.tensorType?.shape?.dim;
  const kvHeads = Number(dims?.[1]?.dimValue ?? 0);
  const headDim = Number(dims?.[3]?.dimValue ?? 0);
  return dims?.length === 4 && kvHeads > 0 && headDim > 0 ? { kvHeads, headDim } : undefined;
}

function presentFor(past: string): string {
  return past.replace(/^past_key_values\./, 'present.');
}

/** The graph output a cache Concat feeds: itself, or through one Cast (float16 exports with float32 outputs). */
function presentOf(ed: GraphEditor, concat: Node, past: string): string | undefined {
  const present = presentFor(past);
  if (!ed.output(present)) return undefined;
  const out = concat.output![0];
  if (out === present) return present;
  const cast = ed.producer(present);
  return cast?.opType === 'Cast' && cast.input?.[0] === out ? present : undefined;
}

/** A product of constant Mul/Div factors met while walking, so scaled queries and keys keep their scale. */
function constantFactor(ed: GraphEditor, node: Node, from: string): number | undefined {
  const other = node.input!.find((x) => x !== from);
  const values = other === undefined ? undefined : ed.constantValues(other);
  if (!values || values.length !== 1) return undefined;
  if (node.opType === 'Mul') return values[0];
  if (node.opType === 'Div' && node.input![0] === from) return 1 / values[0];
  return undefined;
}

/** Walks up from `value` through carriers and constant scalings to the Concat that appends to a past. */
function cacheConcat(ed: GraphEditor, value: string): { concat: Node; past: string; factor: number } | undefined {
  let factor = 1;
  let current = value;
  for (let hops = 0; hops < 12; hops++) {
    const node = ed.producer(current);
    if (!node) return undefined;
    if (node.opType === 'Concat') {
      const head = node.input?.[0] ?? '';
      const axis = intAttr(node, 'axis', NaN);
      if (node.input!.length !== 2 || !PAST.test(head) || !ed.input(head) || (axis !== 2 && axis !== -2)) return undefined;
      return { concat: node, past: head, factor };
    }
    if (node.opType === 'Mul' || node.opType === 'Div') {
      const dynamic = node.input!.filter((x) => !ed.isInitializer(x));
      const f = dynamic.length === 1 ? constantFactor(ed, node, dynamic[0]) : undefined;
      if (f === undefined) return undefined;
      factor *= f;
      current = dynamic[0];
      continue;
    }
    if (!CARRIERS.has(node.opType ?? '')) return undefined;
    current = node.input![0];
  }
  return undefined;
}

/** A cache pair (key and value Concats of one layer) as the replacement's past/present names and new rows. */
function cachePair(ed: GraphEditor, keyPath: string, valuePath: string) {
  const k = cacheConcat(ed, keyPath);
  const v = cacheConcat(ed, valuePath);
  if (!k || !v) return undefined;
  const presentKey = presentOf(ed, k.concat, k.past);
  const presentValue = presentOf(ed, v.concat, v.past);
  const dims = pastDims(ed, k.past);
  if (!presentKey || !presentValue || !dims) return undefined;
  return { k, v, presentKey, presentValue, dims };
}

function gqaSite(ed: GraphEditor, node: Node): AttentionSite | string {
  const inputs = node.input ?? [];
  const [query, key, value, pastKey, pastValue, , , cos, sin] = inputs;
  if (intAttr(node, 'rotary_interleaved', 0) !== 0) return 'interleaved rotary';
  if (floatAttr(node, 'softcap', 0) !== 0) return 'softcap';
  if (intAttr(node, 'local_window_size', -1) !== -1) return 'local window';
  if (intAttr(node, 'smooth_softmax', 0) !== 0) return 'smooth softmax';
  if (inputs.length > 9 && inputs.slice(9).some((x) => x)) return 'extra inputs (position ids, attention bias or head sink)';
  const doRotary = intAttr(node, 'do_rotary', 0) === 1;
  if (doRotary && (!cos || !sin)) return 'rotary without cos/sin caches';
  if (!PAST.test(pastKey ?? '') || !PAST.test(pastValue ?? '') || !ed.input(pastKey) || !ed.input(pastValue)) return 'pasts that are not graph inputs';
  const [output, presentKey, presentValue] = node.output ?? [];
  if (presentKey !== presentFor(pastKey) || presentValue !== presentFor(pastValue) || !ed.output(presentKey) || !ed.output(presentValue)) return 'presents that are not graph outputs';
  const dims = pastDims(ed, pastKey);
  const heads = intAttr(node, 'num_heads', 0);
  if (!dims || heads <= 0 || intAttr(node, 'kv_num_heads', 0) !== dims.kvHeads) return 'head counts that do not match the cache';
  const base = { kvLayout: 'bsd' as const, queryLayout: 'bsd' as const, kvHeads: dims.kvHeads, headDim: dims.headDim, pastKey, pastValue, presentKey, presentValue, output, replaced: node };
  const scale = floatAttr(node, 'scale', 0) || 1 / Math.sqrt(dims.headDim);
  const rotary = doRotary ? { cos, sin } : undefined;
  if (key && value) return { ...base, kind: 'GroupQueryAttention', query, key, value, scale, rotary };
  if (key || value) return 'half-packed QKV';
  // Packed QKV [b, s, (heads + 2·kvHeads)·d]: split into the three projections first.
  const widths = [heads * dims.headDim, dims.kvHeads * dims.headDim, dims.kvHeads * dims.headDim];
  const [q, k, v] = ['q', 'k', 'v'].map((x) => ed.fresh(`${x}_unpacked`));
  const split: Node = { opType: 'Split', domain: '', input: [query, ed.int64Constant('qkv_widths', widths)], output: [q, k, v], name: q, attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: -1 }] };
  return { ...base, kind: 'GroupQueryAttention (packed QKV split)', query: q, key: k, value: v, scale, rotary, before: [split] };
}

function mhaSite(ed: GraphEditor, node: Node): AttentionSite | string {
  const inputs = node.input ?? [];
  if (inputs[3] || inputs[4]) return 'MultiHeadAttention with bias or key padding mask';
  if (inputs[6] || inputs[7]) return 'MultiHeadAttention with its own past';
  if ((node.output ?? []).slice(1).some((x) => x)) return 'MultiHeadAttention with present outputs';
  const pair = cachePair(ed, inputs[1], inputs[2]);
  if (!pair || pair.k.factor !== 1 || pair.v.factor !== 1) return 'MultiHeadAttention whose key/value do not come from the cache Concats';
  const scale = floatAttr(node, 'scale', 0) || 1 / Math.sqrt(pair.dims.headDim);
  return {
    kind: 'MultiHeadAttention (repeat_kv dropped)',
    query: inputs[0],
    queryLayout: 'bsd',
    key: pair.k.concat.input![1],
    value: pair.v.concat.input![1],
    kvLayout: 'bhsd',
    ...pair.dims,
    scale,
    pastKey: pair.k.past,
    pastValue: pair.v.past,
    presentKey: pair.presentKey,
    presentValue: pair.presentValue,
    output: node.output![0],
    replaced: node,
  };
}

/** The one node reading `value`, when there is exactly one. */
function soleConsumer(ed: GraphEditor, value: string): Node | undefined {
  const readers = ed.consumers(value);
  return readers.length === 1 ? readers[0] : undefined;
}

/** Optimum: scores = MatMul(q·a, (k·b)ᵀ) (+ mask) → Softmax → MatMul(·, v) → Transpose → Reshape. */
function decomposedSite(ed: GraphEditor, softmax: Node): AttentionSite | string {
  // Up from the softmax to the scores MatMul, through the mask Add and constant scalings.
  let factor = 1;
  let current = softmax.input![0];
  let scores: Node | undefined;
  for (let hops = 0; hops < 6 && !scores; hops++) {
    const node = ed.producer(current);
    if (!node) return 'softmax input not computed';
    if (node.opType === 'MatMul') scores = node;
    else if (node.opType === 'Add') {
      const fromMatMul = node.input!.find((x) => ['MatMul', 'Mul', 'Div', 'Cast'].includes(ed.producer(x)?.opType ?? ''));
      if (!fromMatMul) return 'softmax input is not scores plus a mask';
      current = fromMatMul;
    } else if (node.opType === 'Mul' || node.opType === 'Div') {
      const dynamic = node.input!.filter((x) => !ed.isInitializer(x));
      const f = dynamic.length === 1 ? constantFactor(ed, node, dynamic[0]) : undefined;
      if (f === undefined) return 'scores scaled by a computed value';
      factor *= f;
      current = dynamic[0];
    } else if (node.opType === 'Cast') current = node.input![0];
    else return `softmax input comes from ${node.opType}`;
  }
  if (!scores) return 'no scores MatMul before the softmax';
  // The query side: constant scalings of the rotated query [b, heads, s, d].
  let query = scores.input![0];
  for (let hops = 0; hops < 3; hops++) {
    const node = ed.producer(query);
    if (!node || (node.opType !== 'Mul' && node.opType !== 'Div')) break;
    const dynamic = node.input!.filter((x) => !ed.isInitializer(x));
    const f = dynamic.length === 1 ? constantFactor(ed, node, dynamic[0]) : undefined;
    if (f === undefined) break;
    factor *= f;
    query = dynamic[0];
  }
  let probs = softmax.output![0];
  const castAfter = soleConsumer(ed, probs);
  if (castAfter?.opType === 'Cast') probs = castAfter.output![0];
  const context = soleConsumer(ed, probs);
  if (context?.opType !== 'MatMul' || context.input![0] !== probs) return 'softmax is not followed by MatMul with the values';
  const pair = cachePair(ed, scores.input![1], context.input![1]);
  if (!pair || pair.v.factor !== 1) return 'scores or values do not come from the cache Concats';
  const transpose = soleConsumer(ed, context.output![0]);
  const perm = transpose && attribute(transpose, 'perm')?.ints?.map(Number);
  const reshape = transpose && soleConsumer(ed, transpose.output![0]);
  if (transpose?.opType !== 'Transpose' || perm?.join() !== '0,2,1,3' || reshape?.opType !== 'Reshape') return 'attention output is not transposed and merged';
  return {
    kind: 'decomposed attention (repeat_kv dropped)',
    query,
    queryLayout: 'bhsd',
    key: pair.k.concat.input![1],
    value: pair.v.concat.input![1],
    kvLayout: 'bhsd',
    ...pair.dims,
    scale: factor * pair.k.factor,
    pastKey: pair.k.past,
    pastValue: pair.v.past,
    presentKey: pair.presentKey,
    presentValue: pair.presentValue,
    output: reshape.output![0],
    replaced: reshape,
  };
}

/** Every layer's attention site, or why the graph's attention cannot be replaced. */
export function findAttentionSites(ed: GraphEditor): SiteSearch {
  const nodes = ed.graph.node!;
  const gqa = nodes.filter((n) => n.opType === 'GroupQueryAttention' && n.domain === MS);
  const mha = nodes.filter((n) => n.opType === 'MultiHeadAttention' && n.domain === MS);
  const softmax = nodes.filter((n) => n.opType === 'Softmax' && (!n.domain || n.domain === 'ai.onnx'));
  const [form, candidates, find] =
    gqa.length > 0 ? (['GroupQueryAttention', gqa, gqaSite] as const) : mha.length > 0 ? (['MultiHeadAttention', mha, mhaSite] as const) : (['decomposed attention', softmax, decomposedSite] as const);
  if (candidates.length === 0) return { blocker: 'no attention found' };
  const sites: AttentionSite[] = [];
  for (const node of candidates) {
    const site = find(ed, node);
    if (typeof site === 'string') return { blocker: `${form}: ${site}` };
    sites.push(site);
  }
  // Every past must belong to exactly one site.
  const pasts = ed.graph.input!.map((i) => i.name ?? '').filter((n) => PAST.test(n));
  const covered = new Set(sites.flatMap((s) => [s.pastKey, s.pastValue]));
  if (covered.size !== sites.length * 2 || pasts.some((p) => !covered.has(p))) return { blocker: `${form}: the sites do not cover each past exactly once` };
  return { sites };
}
