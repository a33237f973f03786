// The graph as exported, for when the rewrite is off or cannot be used. Its nodes and weights are
// never changed; the one thing that can be, is declared shapes that make onnxruntime fail
// (shapeAnnotations.ts). Such a graph gets a repaired copy next to the model (a few hundred KB:
// inline weights are referenced in the original file, see onnxSkeleton.ts); every other graph is
// loaded straight from the model file.
import { rename, rm, stat, writeFile } from 'node:fs/promises';
import { onnx } from 'onnx-proto';
import { readOnnxSkeleton } from '../model/onnxSkeleton';
import { AS_EXPORTED, type GraphFeatures } from './graphRewrite';
import { cachedNames, fileKey, removeStale } from './rewriteFiles';
import { dropMisdeclaredShapes } from './shapeAnnotations';

export interface PreparedGraph {
  /** The .onnx file to load: a copy next to the model, or the model file itself. */
  onnxPath: string;
  features: GraphFeatures;
  /** True when an earlier load had already written the copy. */
  reused: boolean;
  /** True for the rewritten graph (in-place KV cache, last-position logits), false for the graph as exported. */
  rewritten: boolean;
  /** Why the graph runs as exported, when it does; and any repair made to it. */
  reason?: string;
}

function withRepair(reason: string | undefined, repaired: number): string | undefined {
  if (repaired === 0) return reason;
  const note = `${repaired} misdeclared cache shapes dropped so onnxruntime's buffer reuse holds`;
  return reason ? `${reason}; ${note}` : note;
}

/**
 * The model builder's web graph (MultiHeadAttention, the past concatenated outside it) expands a
 * causal mask made for the new tokens alone over the whole length: right for a prompt without a
 * past or for one token on a past, an "invalid expand shape" for several tokens on a past (a
 * chunked prefill, a reused prefix, a verified draft). Run as exported, it is fed that way.
 */
function buildsMaskForOneTokenOnAPast(graph: onnx.IGraphProto): boolean {
  return (graph.node ?? []).some((n) => n.opType === 'MultiHeadAttention' && n.domain === 'com.microsoft' && !n.input?.[6] && !n.input?.[7]);
}

export async function prepareExportedGraph(onnxPath: string, reason: string | undefined): Promise<PreparedGraph> {
  const asIs: PreparedGraph = { onnxPath, features: AS_EXPORTED, reused: false, rewritten: false, reason };
  let skeleton;
  try {
    skeleton = await readOnnxSkeleton(onnxPath);
  } catch {
    // Unreadable structure: onnxruntime will say what is wrong with the file when it loads it.
    return asIs;
  }
  const model = onnx.ModelProto.decode(skeleton.bytes);
  if (model.graph && buildsMaskForOneTokenOnAPast(model.graph)) asIs.features = { ...AS_EXPORTED, oneTokenAfterPast: true };
  const repaired = model.graph ? dropMisdeclaredShapes(model.graph) : 0;
  if (repaired === 0) return asIs;
  const names = cachedNames(onnxPath, 'exported', await fileKey(onnxPath));
  const result: PreparedGraph = { onnxPath: names.graph, features: asIs.features, reused: false, rewritten: false, reason: withRepair(reason, repaired) };
  try {
    if ((await stat(names.graph)).size > 0) return { ...result, reused: true };
  } catch {
    // Not written yet.
  }
  const tmp = `${names.graph}.tmp-${process.pid}-${Date.now()}`;
  try {
    await writeFile(tmp, onnx.ModelProto.encode(model).finish());
    await rename(tmp, names.graph);
  } catch (err) {
    await rm(tmp, { force: true });
    const why = err instanceof Error ? err.message : String(err);
    return { ...asIs, reason: `${reason ? `${reason}; ` : ''}the repaired graph could not be written next to the model (${why})` };
  }
  await removeStale(onnxPath, [names.graph]);
  return result;
}
