// Attention that reads the KV cache where it lies, built in place of a graph's own attention
// (GroupQueryAttention, MultiHeadAttention or the decomposed MatMul/Softmax/MatMul of an Optimum
// trace: attentionSites.ts finds them), so a decode step copies nothing proportional to the context.
//
// The past of a layer is fed as the cache's whole capacity buffer, [1, kvHeads, C, headDim] (heads
// first: each head's rows are contiguous), of which the first T = sum(attention_mask) − s are
// valid (the mask is zero over the unused capacity, like padding). Query head h reads KV head floor(h / groups)
// by viewing the query as [1, kvHeads, groups·s, d]: no repeat_kv copy. Scores against the past are
// one batched GEMM with K transposed on the fly (FusedMatMul transB), positions ≥ T are masked out,
// and the new tokens' own keys are scored separately under a causal mask; one softmax over both,
// then probabilities × V for each part. Only the new rows leave the graph (present.* =
// [1, kvHeads, s, headDim]); the cache writes them at T. Every float constant has the graph's own
// float type, so a float16 graph stays float16 and no node mixes types.
import { onnx } from 'onnx-proto';
import { intAttr, floatAttr, intsAttr, type FloatType, type GraphEditor } from './graphEditor';

type Node = onnx.INodeProto;

/** [b, s, n·d] (projection outputs) or [b, n, s, d] (after a Transpose to heads). */
export type TensorLayout = 'bsd' | 'bhsd';

/** One layer's attention, as the replacement needs it. */
export interface AttentionSite {
  /** What was found, for the log. */
  kind: string;
  query: string;
  queryLayout: TensorLayout;
  /** The new tokens' keys and values (rotary not yet applied to the key when `rotary` is set). */
  key: string;
  value: string;
  kvLayout: TensorLayout;
  kvHeads: number;
  headDim: number;
  scale: number;
  /** Rotary tables to apply here (GroupQueryAttention with do_rotary); absent when the graph already did. */
  rotary?: { cos: string; sin: string };
  pastKey: string;
  pastValue: string;
  presentKey: string;
  presentValue: string;
  /** The attention output the rest of the graph reads, [b, s, heads·d]. */
  output: string;
  /** The node that produced `output` until now; it is removed. */
  replaced: Node;
  /** Nodes the site needs before it (the Split of a packed QKV projection). */
  before?: Node[];
}

const END = Number.MAX_SAFE_INTEGER;
const LOWEST: Record<FloatType, number> = { float32: -3.4028234663852886e38, float16: -65504 };
const BOOL = onnx.TensorProto.DataType.BOOL;

/**
 * Replaces every site's attention; `type` is the float type of queries, keys and the cache.
 * The caller removes what the old attention leaves unread (GraphEditor.removeUnusedNodes).
 */
export function buildCapacityAttention(ed: GraphEditor, sites: readonly AttentionSite[], type: FloatType): void {
  const g = ed.graph;
  const c = (label: string, values: number[]) => ed.int64Constant(label, values);
  // Shared by every layer: T (valid past), s (new tokens), their positions, and the two masks.
  const shared: Node[] = [];
  const op = (opType: string, inputs: string[], label: string, attrs: onnx.IAttributeProto[] = [], domain = '') => {
    const out = ed.fresh(label);
    shared.push(ed.node(opType, inputs, out, attrs, domain));
    return out;
  };
  const seq = op('Slice', [op('Shape', ['input_ids'], 'ids_shape'), c('one', [1]), c('two', [2]), c('axis0', [0])], 'seq');
  // attention_mask is ones over the T held positions, zeros over unused capacity, ones over the s new tokens.
  const maskSum = op('ReduceSum', ['attention_mask', c('axis1', [1])], 'mask_sum', [intAttr('keepdims', 0)]);
  const past = op('Sub', [maskSum, seq], 'past_len');
  const total = op('Add', [past, seq], 'total');
  const pastScalar = op('Squeeze', [past, c('axis0', [0])], 'past_scalar');
  const totalScalar = op('Squeeze', [total, c('axis0', [0])], 'total_scalar');
  const seqScalar = op('Squeeze', [seq, c('axis0', [0])], 'seq_scalar');
  const zero = ed.floatConstant('zero', [0], [], type);
  const lowest = ed.floatConstant('lowest', [LOWEST[type]], [], type);
  const zeroI = op('Squeeze', [c('zero_i', [0]), c('axis0', [0])], 'zero_scalar');
  const oneI = op('Squeeze', [c('one_i', [1]), c('axis0', [0])], 'one_scalar');
  // New-token causal mask [1, 1, 1, s, s]: key j visible to query i when j <= i.
  const idx = op('Range', [zeroI, seqScalar, oneI], 'new_idx');
  const rows = op('Unsqueeze', [idx, c('axis1', [1])], 'new_rows');
  const cols = op('Unsqueeze', [idx, c('axis0', [0])], 'new_cols');
  const causal = op('Where', [op('LessOrEqual', [cols, rows], 'causal_ok'), zero, lowest], 'causal_bias');
  const causal5 = op('Reshape', [causal, op('Concat', [c('ones3', [1, 1, 1]), seq, seq], 'causal_shape', [intAttr('axis', 0)])], 'causal5');
  // Unused capacity masked out, one bias row shared by every layer that has this capacity.
  const capBias = new Map<string, string>();
  const capacityBias = (capacity: string) => {
    let bias = capBias.get(capacity);
    if (!bias) {
      const capMask = op('Slice', ['attention_mask', c('zero', [0]), capacity, c('axis1', [1])], 'cap_mask');
      bias = op('Where', [op('Cast', [capMask], 'cap_valid', [intAttr('to', BOOL)]), zero, lowest], 'cap_bias');
      capBias.set(capacity, bias);
    }
    return bias;
  };
  // Positions of the new tokens (rotary angles): T .. T + s − 1.
  let positions: string | undefined;
  const cosSin = new Map<string, { cos: string; sin: string }>();
  const rotaryTables = (cosCache: string, sinCache: string) => {
    const key = `${cosCache}|${sinCache}`;
    let t = cosSin.get(key);
    if (!t) {
      positions ??= op('Range', [pastScalar, totalScalar, oneI], 'positions');
      const table = (cache: string, label: string) => {
        const half = op('Gather', [cache, positions!], `${label}_half`, [intAttr('axis', 0)]);
        const full = op('Concat', [half, half], `${label}_full`, [intAttr('axis', -1)]);
        return op('Unsqueeze', [full, c('axes01', [0, 1])], label);
      };
      t = { cos: table(cosCache, 'cos'), sin: table(sinCache, 'sin') };
      cosSin.set(key, t);
    }
    return t;
  };

  const perSite = new Map<Node, Node[]>();
  for (const site of sites) {
    const { headDim: d, kvHeads } = site;
    const nodes: Node[] = [...(site.before ?? [])];
    const lop = (opType: string, inputs: string[], label: string, attrs: onnx.IAttributeProto[] = [], domain = '', out?: string) => {
      const name = out ?? ed.fresh(label);
      nodes.push(ed.node(opType, inputs, name, attrs, domain));
      return name;
    };
    const toHeads = (x: string, layout: TensorLayout, label: string) =>
      layout === 'bhsd' ? x : lop('Transpose', [lop('Reshape', [x, c('bshd', [0, 0, -1, d])], `${label}_bshd`)], `${label}_bhsd`, [intsAttr('perm', [0, 2, 1, 3])]);
    const rotary = site.rotary ? rotaryTables(site.rotary.cos, site.rotary.sin) : undefined;
    const half = d / 2;
    const rotate = (x: string, label: string) => {
      if (!rotary) return x;
      const x1 = lop('Slice', [x, c('h0', [0]), c('h1', [half]), c('ax3', [3])], `${label}_x1`);
      const x2 = lop('Slice', [x, c('h1', [half]), c('h2', [d]), c('ax3', [3])], `${label}_x2`);
      const rotated = lop('Concat', [lop('Neg', [x2], `${label}_neg`), x1], `${label}_rot`, [intAttr('axis', 3)]);
      return lop('Add', [lop('Mul', [x, rotary.cos], `${label}_cos`), lop('Mul', [rotated, rotary.sin], `${label}_sin`)], `${label}_roped`);
    };
    const q = rotate(toHeads(site.query, site.queryLayout, 'q'), 'q');
    // New keys/values, heads first: these are the present outputs the cache writes at T.
    const kNew = rotate(toHeads(site.key, site.kvLayout, 'k'), 'k');
    lop('Identity', [kNew], 'present_key', [], '', site.presentKey);
    const vNew = toHeads(site.value, site.kvLayout, 'v');
    lop('Identity', [vNew], 'present_value', [], '', site.presentValue);
    // Query head h reads KV head floor(h / groups): [1, kvHeads, groups·s, d].
    const qg = lop('Reshape', [q, c('q_groups', [0, kvHeads, -1, d])], 'q_groups');
    const fused = (a: string, b: string, label: string) => lop('FusedMatMul', [a, b], label, [intAttr('transB', 1), floatAttr('alpha', site.scale)], 'com.microsoft');
    // Past scores over the whole capacity, unused slots masked: [1, kvHeads, g·s, C].
    const capacity = lop('Slice', [lop('Shape', [site.pastKey], 'cap_shape'), c('two', [2]), c('three', [3]), c('axis0', [0])], 'capacity');
    const pastScores = lop('Add', [fused(qg, site.pastKey, 'past_scores_raw'), capacityBias(capacity)], 'past_scores');
    // New-token scores under the causal mask: [1, kvHeads, g, s, s] → [1, kvHeads, g·s, s].
    const newRaw = fused(qg, kNew, 'new_scores_raw');
    const new5Shape = lop('Concat', [c('new5_lead', [1, kvHeads, -1]), seq, seq], 'new5_shape', [intAttr('axis', 0)]);
    const new5 = lop('Reshape', [newRaw, new5Shape], 'new5');
    const newScores = lop('Reshape', [lop('Add', [new5, causal5], 'new5_masked'), c('new4', [0, kvHeads, -1, 0])], 'new_scores');
    const probs = lop('Softmax', [lop('Concat', [pastScores, newScores], 'scores', [intAttr('axis', -1)])], 'probs', [intAttr('axis', -1)]);
    const pPast = lop('Slice', [probs, c('zero', [0]), capacity, c('axis3', [3])], 'p_past');
    const pNew = lop('Slice', [probs, capacity, c('end', [END]), c('axis3', [3])], 'p_new');
    const ctx = lop('Add', [lop('MatMul', [pPast, site.pastValue], 'ctx_past'), lop('MatMul', [pNew, vNew], 'ctx_new')], 'ctx');
    // [1, kvHeads, g·s, d] → [1, heads, s, d] → [1, s, heads·d].
    const headsShape = lop('Concat', [c('ctx_lead', [0, -1]), seq, c('ctx_d', [d])], 'ctx_heads_shape', [intAttr('axis', 0)]);
    const merged = lop('Transpose', [lop('Reshape', [ctx, headsShape], 'ctx_heads')], 'ctx_bshd', [intsAttr('perm', [0, 2, 1, 3])]);
    lop('Reshape', [merged, c('ctx_out', [0, 0, -1])], 'attn_out', [], '', site.output);
    perSite.set(site.replaced, nodes);
  }
  g.node = [...shared, ...g.node!.flatMap((n) => perSite.get(n) ?? [n])];
}
