// Replaces each com.microsoft GroupQueryAttention node (onnxruntime-genai exports) by attention
// that reads the KV cache where it lies, so a decode step copies nothing proportional to the context.
//
// The past of a layer is fed as the cache's whole capacity buffer, [1, kvHeads, C, headDim] (heads
// first: each head's rows are contiguous), of which the first T = attention_mask length − new tokens
// positions are valid. Scores against the past are one batched GEMM with K transposed on the fly
// (FusedMatMul transB), positions ≥ T are masked out, and the new tokens' own keys are scored
// separately under a causal mask; one softmax over both, then probabilities × V for each part.
// Only the new rows leave the graph (present.* = [1, kvHeads, s, headDim]); the cache writes them
// at T. GroupQueryAttention itself would copy the whole past into its present output every step.
// Supported: rotary non-interleaved or none, default softcap/local window/smooth softmax, separate
// q/k/v inputs. Anything else leaves the graph to the generic rewrite.
import { onnx } from 'onnx-proto';
import { intsAttr, type GraphEditor } from './graphRewrite';

type Node = onnx.INodeProto;

const FLOAT_LOWEST = -3.4028234663852886e38;
const END = Number.MAX_SAFE_INTEGER;

function attr(node: Node, name: string): onnx.IAttributeProto | undefined {
  return (node.attribute ?? []).find((a) => a.name === name);
}

function intAttr(node: Node, name: string, fallback: number): number {
  const a = attr(node, name);
  return a ? Number(a.i) : fallback;
}

function floatAttr(node: Node, name: string, fallback: number): number {
  const a = attr(node, name);
  return a ? Number(a.f) : fallback;
}

/** Why a GroupQueryAttention node cannot be replaced, or undefined when it can. */
function unsupported(node: Node): string | undefined {
  const inputs = node.input ?? [];
  if (!inputs[1] || !inputs[2]) return 'packed QKV';
  if (intAttr(node, 'rotary_interleaved', 0) !== 0) return 'interleaved rotary';
  if (intAttr(node, 'do_rotary', 0) === 1 && (!inputs[7] || !inputs[8])) return 'rotary without cos/sin caches';
  if (floatAttr(node, 'softcap', 0) !== 0) return 'softcap';
  if (intAttr(node, 'local_window_size', -1) !== -1) return 'local window';
  if (intAttr(node, 'smooth_softmax', 0) !== 0) return 'smooth softmax';
  if (inputs.length > 9 && inputs.slice(9).some((x) => x)) return 'extra inputs (position ids, attention bias or head sink)';
  return undefined;
}

export function findGqaNodes(graph: onnx.IGraphProto): Node[] {
  return (graph.node ?? []).filter((n) => n.opType === 'GroupQueryAttention' && n.domain === 'com.microsoft');
}

/** A reason the graph's attention cannot be replaced, or undefined. */
export function gqaRewriteBlocker(graph: onnx.IGraphProto, headDim: number | undefined): string | undefined {
  const nodes = findGqaNodes(graph);
  if (nodes.length === 0) return 'no GroupQueryAttention';
  if (!headDim) return 'head size not declared';
  for (const n of nodes) {
    const why = unsupported(n);
    if (why) return `GroupQueryAttention with ${why}`;
  }
  // Every past must be read by attention only, and every present be its output.
  const pasts = new Set(nodes.flatMap((n) => [n.input![3], n.input![4]]));
  const presents = new Set(nodes.flatMap((n) => [n.output![1], n.output![2]]));
  for (const input of graph.input ?? []) {
    if (!/^past_key_values\./.test(input.name ?? '')) continue;
    if (!pasts.has(input.name!)) return `${input.name} is not an attention input`;
    const readers = (graph.node ?? []).filter((n) => (n.input ?? []).includes(input.name!));
    if (readers.some((n) => n.opType !== 'GroupQueryAttention')) return `${input.name} is read outside attention`;
  }
  for (const output of graph.output ?? []) {
    if (/^present\./.test(output.name ?? '') && !presents.has(output.name!)) return `${output.name} is not an attention output`;
  }
  return undefined;
}

/**
 * Rewrites every GroupQueryAttention node; `past`/`present` map its past and present names to the
 * graph's inputs and outputs. The caller has checked gqaRewriteBlocker() first.
 */
export function replaceGqaNodes(ed: GraphEditor, headDim: number): void {
  const g = ed.graph;
  const c = (label: string, values: number[]) => ed.int64Constant(label, values);
  // Shared by every layer: T (valid past), s (new tokens), their positions, and the two masks.
  const shared: Node[] = [];
  const op = (type: string, inputs: string[], label: string, attrs: onnx.IAttributeProto[] = [], domain = '') => {
    const out = ed.fresh(label);
    shared.push(ed.node(type, inputs, out, attrs, domain));
    return out;
  };
  const seq = op('Slice', [op('Shape', ['input_ids'], 'ids_shape'), c('one', [1]), c('two', [2]), c('axis0', [0])], 'seq');
  // attention_mask is ones over the T held positions, zeros over unused capacity, ones over the s new tokens.
  const maskSum = op('ReduceSum', ['attention_mask', c('axis1', [1])], 'mask_sum', [{ name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 0 }]);
  const past = op('Sub', [maskSum, seq], 'past_len');
  const total = op('Add', [past, seq], 'total');
  const pastScalar = op('Squeeze', [past, c('axis0', [0])], 'past_scalar');
  const totalScalar = op('Squeeze', [total, c('axis0', [0])], 'total_scalar');
  const seqScalar = op('Squeeze', [seq, c('axis0', [0])], 'seq_scalar');
  const zero = ed.floatConstant('zero', [0], []);
  const lowest = ed.floatConstant('lowest', [FLOAT_LOWEST], []);
  const zeroI = op('Squeeze', [c('zero_i', [0]), c('axis0', [0])], 'zero_scalar');
  const oneI = op('Squeeze', [c('one_i', [1]), c('axis0', [0])], 'one_scalar');
  // Positions of the new tokens (rotary angles): T .. T + s − 1.
  const positions = op('Range', [pastScalar, totalScalar, oneI], 'positions');
  // New-token causal mask [1, 1, 1, s, s]: key j visible to query i when j <= i.
  const idx = op('Range', [zeroI, seqScalar, oneI], 'new_idx');
  const rows = op('Unsqueeze', [idx, c('axis1', [1])], 'new_rows');
  const cols = op('Unsqueeze', [idx, c('axis0', [0])], 'new_cols');
  const causal = op('Where', [op('LessOrEqual', [cols, rows], 'causal_ok'), zero, lowest], 'causal_bias');
  const causal5 = op('Reshape', [causal, op('Concat', [c('ones3', [1, 1, 1]), seq, seq], 'causal_shape', [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 }])], 'causal5');

  const cosSin = new Map<string, { cos: string; sin: string }>();
  const rotaryTables = (cosCache: string, sinCache: string) => {
    const key = `${cosCache}|${sinCache}`;
    let t = cosSin.get(key);
    if (!t) {
      const table = (cache: string, label: string) => {
        const half = op('Gather', [cache, positions], `${label}_half`, [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 }]);
        const full = op('Concat', [half, half], `${label}_full`, [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: -1 }]);
        return op('Unsqueeze', [full, c('axes01', [0, 1])], label);
      };
      t = { cos: table(cosCache, 'cos'), sin: table(sinCache, 'sin') };
      cosSin.set(key, t);
    }
    return t;
  };

  const gqaNodes = findGqaNodes(g);
  const perNode = new Map<Node, Node[]>();
  for (const node of gqaNodes) {
    const [query, key, value, pastKey, pastValue, , , cosCache, sinCache] = node.input!;
    const [output, presentKey, presentValue] = node.output!;
    const heads = intAttr(node, 'num_heads', 0);
    const kvHeads = intAttr(node, 'kv_num_heads', 0);
    const groups = heads / kvHeads;
    const scale = floatAttr(node, 'scale', 0) || 1 / Math.sqrt(headDim);
    const rotary = intAttr(node, 'do_rotary', 0) === 1 ? rotaryTables(cosCache, sinCache) : undefined;
    const nodes: Node[] = [];
    const lop = (type: string, inputs: string[], label: string, attrs: onnx.IAttributeProto[] = [], domain = '', out?: string) => {
      const name = out ?? ed.fresh(label);
      nodes.push(ed.node(type, inputs, name, attrs, domain));
      return name;
    };
    const toHeads = (x: string, n: number, label: string) =>
      lop('Transpose', [lop('Reshape', [x, c('bshd', [0, 0, n, headDim])], `${label}_bshd`)], `${label}_bhsd`, [intsAttr('perm', [0, 2, 1, 3])]);
    const half = headDim / 2;
    const rotate = (x: string, label: string) => {
      if (!rotary) return x;
      const x1 = lop('Slice', [x, c('h0', [0]), c('h1', [half]), c('ax3', [3])], `${label}_x1`);
      const x2 = lop('Slice', [x, c('h1', [half]), c('h2', [headDim]), c('ax3', [3])], `${label}_x2`);
      const rotated = lop('Concat', [lop('Neg', [x2], `${label}_neg`), x1], `${label}_rot`, [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 3 }]);
      return lop('Add', [lop('Mul', [x, rotary.cos], `${label}_cos`), lop('Mul', [rotated, rotary.sin], `${label}_sin`)], `${label}_roped`);
    };
    const q = rotate(toHeads(query, heads, 'q'), 'q');
    // New keys/values, heads first: these are the present outputs the cache writes at T.
    const kNew = rotate(toHeads(key, kvHeads, 'k'), 'k');
    lop('Identity', [kNew], 'present_key', [], '', presentKey);
    const vNew = toHeads(value, kvHeads, 'v');
    lop('Identity', [vNew], 'present_value', [], '', presentValue);
    // Query head h reads KV head floor(h / groups): [1, kvHeads, groups * s, d].
    const qg = lop('Reshape', [q, c('q_groups', [0, kvHeads, -1, headDim])], 'q_groups');
    const fused = (a: string, b: string, label: string) =>
      lop('FusedMatMul', [a, b], label, [{ name: 'transB', type: onnx.AttributeProto.AttributeType.INT, i: 1 }, { name: 'alpha', type: onnx.AttributeProto.AttributeType.FLOAT, f: scale }], 'com.microsoft');
    // Past scores over the whole capacity, unused slots masked: [1, kvHeads, g*s, C].
    const capacity = lop('Slice', [lop('Shape', [pastKey], 'cap_shape'), c('two', [2]), c('three', [3]), c('axis0', [0])], 'capacity');
    const capMask = lop('Slice', ['attention_mask', c('zero', [0]), capacity, c('axis1', [1])], 'cap_mask');
    const capBias = lop('Where', [lop('Cast', [capMask], 'cap_valid', [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: onnx.TensorProto.DataType.BOOL }]), zero, lowest], 'cap_bias');
    const pastScores = lop('Add', [fused(qg, pastKey, 'past_scores_raw'), capBias], 'past_scores');
    // New-token scores under the causal mask: [1, kvHeads, g, s, s] → [1, kvHeads, g*s, s].
    const newRaw = fused(qg, kNew, 'new_scores_raw');
    const new5Shape = lop('Concat', [c('new5_lead', [1, kvHeads, groups]), seq, seq], 'new5_shape', [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 }]);
    const new5 = lop('Reshape', [newRaw, new5Shape], 'new5');
    const newScores = lop('Reshape', [lop('Add', [new5, causal5], 'new5_masked'), c('new4', [0, kvHeads, -1, 0])], 'new_scores');
    const probs = lop('Softmax', [lop('Concat', [pastScores, newScores], 'scores', [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: -1 }])], 'probs', [
      { name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: -1 },
    ]);
    const pPast = lop('Slice', [probs, c('zero', [0]), capacity, c('axis3', [3])], 'p_past');
    const pNew = lop('Slice', [probs, capacity, c('end', [END]), c('axis3', [3])], 'p_new');
    const ctx = lop('Add', [lop('MatMul', [pPast, pastValue], 'ctx_past'), lop('MatMul', [pNew, vNew], 'ctx_new')], 'ctx');
    // Back to [1, s, heads * d].
    const ctxHeads = lop('Reshape', [ctx, c('ctx_heads', [0, heads, -1, headDim])], 'ctx_heads');
    const merged = lop('Transpose', [ctxHeads], 'ctx_bshd', [intsAttr('perm', [0, 2, 1, 3])]);
    lop('Reshape', [merged, c('ctx_out', [0, 0, heads * headDim])], 'attn_out', [], '', output);
    perNode.set(node, nodes);
  }
  g.node = [...shared, ...g.node!.flatMap((n) => perNode.get(n) ?? [n])];
}
