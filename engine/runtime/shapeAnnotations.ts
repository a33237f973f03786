// Why the builder's web graph (MultiHeadAttention, float16) fails in onnxruntime at the first decode
// step with "Shape mismatch attempting to re-use buffer": its value_info declares the repeat_kv
// outputs, which span past + new positions, with the symbolic dim `sequence_length` — the name the
// inputs use for the new tokens alone. onnxruntime's memory planner trusts symbolic dims and lets
// values of "equal" shape share a buffer; a Cast it inserts for float16 then writes a [1, 6, 64]
// result into a [1, 1, 64] buffer. Python's `enable_mem_reuse=False` hides it, but onnxruntime-node
// has no such option (`enableMemPattern` is a different switch and does not help). The narrow fix:
// drop the declared shapes of cache tensors (the past and what carries it to attention) that name
// the new-token count, and let onnxruntime infer those shapes itself. Nodes, weights
// and every other annotation stay as exported.
import type { onnx } from 'onnx-proto';

const PAST = /^past_key_values\.\d+\.(key|value)$/;

/** Ops whose output keeps the sequence dim of a cache tensor they carry (concatenated, reshaped, repeated). */
const CARRIERS = new Set(['Concat', 'Reshape', 'Transpose', 'Expand', 'Unsqueeze', 'Squeeze', 'Cast', 'Identity', 'Mul', 'Div']);

/** Cache tensors: the pasts and what carries them on to attention (their sequence dim is past + new). */
function cacheValues(graph: onnx.IGraphProto): Set<string> {
  const reached = new Set((graph.input ?? []).map((i) => i.name ?? '').filter((n) => PAST.test(n)));
  // Nodes are topologically ordered in a valid model: one pass suffices.
  for (const node of graph.node ?? []) {
    if (!CARRIERS.has(node.opType ?? '') || !reached.has(node.input?.[0] ?? '')) continue;
    for (const o of node.output ?? []) reached.add(o);
  }
  return reached;
}

/** The symbolic name input_ids uses for the number of new tokens, when it declares one. */
function newTokensDim(graph: onnx.IGraphProto): string | undefined {
  const ids = (graph.input ?? []).find((i) => i.name === 'input_ids');
  return ids?.type?.tensorType?.shape?.dim?.[1]?.dimParam ?? undefined;
}

/**
 * Removes value_info entries of cache tensors that claim the new-token count as a dimension (they
 * span past + new positions); returns how many were removed.
 */
export function dropMisdeclaredShapes(graph: onnx.IGraphProto): number {
  const dim = newTokensDim(graph);
  if (!dim || !graph.valueInfo?.length) return 0;
  const fromPast = cacheValues(graph);
  const wrong = (v: onnx.IValueInfoProto) =>
    fromPast.has(v.name ?? '') && (v.type?.tensorType?.shape?.dim ?? []).some((d) => d.dimParam === dim);
  const before = graph.valueInfo.length;
  graph.valueInfo = graph.valueInfo.filter((v) => !wrong(v));
  return before - graph.valueInfo.length;
}
