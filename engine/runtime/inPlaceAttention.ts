// The fast path of the load-time rewrite: every layer's attention is replaced by attention that
// reads the KV cache's capacity buffer in place (capacityAttention.ts), whatever form the export
// gave it (attentionSites.ts). Works on a copy of the graph and hands it back only when every layer
// was replaced and nothing else still reads the past, so a half-done rewrite can never be loaded.
import { onnx } from 'onnx-proto';
import { findAttentionSites } from './attentionSites';
import { buildCapacityAttention } from './capacityAttention';
import { elemTypeOf, floatTypeOf, GraphEditor, type FloatType } from './graphEditor';

const PAST = /^past_key_values\.\d+\.(key|value)$/;
const REWRITE_PREFIX = 'r1_rewrite/';

export type InPlaceResult = { graph: onnx.IGraphProto; kind: string; kvType: FloatType; castsRemoved: number } | { blocker: string };

function setDim(info: onnx.IValueInfoProto | undefined, index: number, name: string): void {
  const dims = info?.type?.tensorType?.shape?.dim;
  if (dims && dims.length > index) dims[index] = { dimParam: name };
}

/**
 * float16 exports with float32 I/O read each past through a Cast to float16: the cache then
 * holds float16 directly (the round trip float16 → float32 → float16 is exact) and the Cast goes,
 * so attention reads the cache in place. Returns how many were removed.
 */
function unwrapPastCasts(ed: GraphEditor): number {
  let removed = 0;
  for (const input of ed.graph.input!) {
    if (!PAST.test(input.name ?? '')) continue;
    const readers = ed.consumers(input.name!);
    const cast = readers[0];
    if (readers.length !== 1 || cast.opType !== 'Cast') continue;
    const to = floatTypeOf(Number(cast.attribute?.find((a) => a.name === 'to')?.i));
    if (!to || !input.type?.tensorType) continue;
    input.type.tensorType.elemType = elemTypeOf(to);
    ed.graph.node!.splice(ed.graph.node!.indexOf(cast), 1);
    ed.rename(cast.output![0], input.name!);
    removed++;
  }
  return removed;
}

/** Replaces every layer's attention in a copy of `graph`; the copy, or why not. */
export function rewriteAttentionInPlace(graph: onnx.IGraphProto): InPlaceResult {
  const copy = onnx.GraphProto.decode(onnx.GraphProto.encode(graph).finish());
  const ed = new GraphEditor(copy);
  const castsRemoved = unwrapPastCasts(ed);
  const found = findAttentionSites(ed);
  if ('blocker' in found) return found;
  const types = new Set(found.sites.flatMap((s) => [s.pastKey, s.pastValue]).map((p) => floatTypeOf(ed.input(p)?.type?.tensorType?.elemType)));
  const kvType = [...types][0];
  if (types.size !== 1 || !kvType) return { blocker: 'the pasts do not share one float type' };
  // The old producers of the presents (cache Concats, Casts, the attention node) stop feeding them.
  for (const site of found.sites) {
    for (const present of [site.presentKey, site.presentValue]) {
      const producer = ed.producer(present);
      if (producer) producer.output = producer.output!.map((o) => (o === present ? ed.fresh('superseded') : o));
    }
  }
  buildCapacityAttention(ed, found.sites, kvType);
  for (const site of found.sites) {
    for (const past of [site.pastKey, site.pastValue]) setDim(ed.input(past), 2, 'capacity');
    for (const present of [site.presentKey, site.presentValue]) {
      const info = ed.output(present);
      if (info?.type?.tensorType) info.type.tensorType.elemType = elemTypeOf(kvType);
      setDim(info, 2, 'sequence_length');
    }
  }
  ed.removeUnusedNodes();
  for (const site of found.sites) {
    for (const past of [site.pastKey, site.pastValue]) {
      const stranger = ed.consumers(past).find((n) => !(n.name ?? '').startsWith(REWRITE_PREFIX));
      if (stranger) return { blocker: `${past} is still read by ${stranger.opType} ${stranger.name ?? ''} after the attention was replaced` };
    }
  }
  // Declared shapes of intermediate values no longer hold (the past is now the capacity): let
  // onnxruntime infer them instead of trusting stale annotations.
  copy.valueInfo = [];
  return { graph: copy, kind: found.sites[0].kind, kvType, castsRemoved };
}
