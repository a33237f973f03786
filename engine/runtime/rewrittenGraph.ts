// The graph onnxruntime loads, on disk: the rewritten copy (graphRewrite.ts) written once next to
// the model file (external-data locations are relative to the .onnx file's folder, so the copy must
// live beside it) and reused while the model file keeps its size and mtime. A JSON sidecar, written
// last, records what the rewrite did and marks the set of files complete — or records that the
// rewrite failed, so later loads of the same file under the same rewrite version go straight to the
// graph as exported instead of failing again. When the folder cannot be written, the model runs as
// exported and the reason is returned.
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { onnx } from 'onnx-proto';
import { readOnnxSkeleton } from '../model/onnxSkeleton';
import { embeddingTableBytes } from './embeddingRewrite';
import { isEmbeddingSpec } from './embeddingTable';
import { prepareExportedGraph, type PreparedGraph } from './exportedGraph';
import { AS_EXPORTED, rewriteDecoderGraph, type GraphFeatures } from './graphRewrite';
import { injectRewriteFault } from './rewriteFault';
import { cachedNames, fileKey, removeStale, REWRITE_VERSION } from './rewriteFiles';

export type { PreparedGraph } from './exportedGraph';

interface Sidecar {
  features: GraphFeatures;
  /** Inline initializers the copy references in the original file (onnxSkeleton.ts); 0 for external-data exports. */
  movedInitializers: number;
}

type SidecarState = { ok: Sidecar } | { failed: string } | undefined;

async function readSidecar(path: string): Promise<SidecarState> {
  try {
    const { version, movedInitializers, failed, ...features } = JSON.parse(await readFile(path, 'utf8')) as GraphFeatures & { version?: number; movedInitializers?: number; failed?: unknown };
    if (version !== REWRITE_VERSION) return undefined;
    if (typeof failed === 'string') return { failed };
    const valid =
      ['heads', 'rows', 'capacity'].includes(features.kvOrder) &&
      (features.embedding === undefined || isEmbeddingSpec(features.embedding)) &&
      Number.isSafeInteger(movedInitializers);
    return valid ? { ok: { features, movedInitializers: movedInitializers! } } : undefined;
  } catch {
    return undefined;
  }
}

async function writeAtomically(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Notes next to the model that its rewritten graph cannot be used (the rewrite threw, or
 * onnxruntime refused the result), so the next load does not retry until the engine's rewrite
 * changes. Best effort: an unwritable folder only means the next load tries again.
 */
export interface RewritePreparation {
  /** See RewriteOptions.raiseAccuracyLevel; the two forms are cached side by side. */
  raiseAccuracyLevel?: boolean;
}

function rewriteKind(options: RewritePreparation): 'rewrite' | 'exact' {
  return options.raiseAccuracyLevel === false ? 'exact' : 'rewrite';
}

/** Removes the cached rewrite of a model (a copy that no longer loads is written again). */
export async function forgetRewrite(onnxPath: string, options: RewritePreparation = {}): Promise<void> {
  const names = cachedNames(onnxPath, rewriteKind(options), await fileKey(onnxPath));
  for (const path of [names.sidecar, names.graph, names.embedding]) await rm(path, { force: true });
}

export async function recordRewriteFailure(onnxPath: string, reason: string, options: RewritePreparation = {}): Promise<void> {
  const names = cachedNames(onnxPath, rewriteKind(options), await fileKey(onnxPath));
  try {
    await writeAtomically(names.sidecar, JSON.stringify({ version: REWRITE_VERSION, failed: reason }, null, 2));
    await rm(names.graph, { force: true });
    await rm(names.embedding, { force: true });
  } catch {
    // Nothing more to do: the failure is still reported for this load.
  }
}

export async function prepareRewrittenGraph(onnxPath: string, options: RewritePreparation = {}): Promise<PreparedGraph> {
  const names = cachedNames(onnxPath, rewriteKind(options), await fileKey(onnxPath));
  const known = await readSidecar(names.sidecar);
  if (known && 'failed' in known) return prepareExportedGraph(onnxPath, `the rewrite failed on an earlier load (${known.failed})`);
  if (known) {
    try {
      await stat(names.graph);
      const embedding = known.ok.features.embedding;
      if (embedding?.file === basename(names.embedding) && (await stat(names.embedding)).size !== embeddingTableBytes(embedding)) {
        throw new Error('embedding file damaged');
      }
      return { onnxPath: names.graph, features: known.ok.features, reused: true, rewritten: true };
    } catch {
      // The sidecar outlived its graph or one of its files: write them all again.
    }
  }

  let model: onnx.ModelProto;
  let result: ReturnType<typeof rewriteDecoderGraph>;
  let movedInitializers: number;
  try {
    // Large inline weights are not read: the copy refers to them where they lie in the original file.
    const skeleton = await readOnnxSkeleton(onnxPath);
    model = onnx.ModelProto.decode(skeleton.bytes);
    movedInitializers = skeleton.movedInitializers;
    result = rewriteDecoderGraph(model, { inlineEmbeddingFile: basename(names.embedding), raiseAccuracyLevel: options.raiseAccuracyLevel });
    injectRewriteFault(model);
  } catch (err) {
    const reason = errorText(err);
    await recordRewriteFailure(onnxPath, reason, options);
    return prepareExportedGraph(onnxPath, `the graph could not be rewritten (${reason})`);
  }
  const { features, inlineEmbedding } = result;
  try {
    if (inlineEmbedding) await writeAtomically(names.embedding, inlineEmbedding);
    await writeAtomically(names.graph, onnx.ModelProto.encode(model).finish());
    await writeAtomically(names.sidecar, JSON.stringify({ version: REWRITE_VERSION, movedInitializers, ...features }, null, 2));
  } catch (err) {
    return { onnxPath, features: AS_EXPORTED, reused: false, rewritten: false, reason: `the rewritten graph could not be written next to the model (${errorText(err)}): running the graph as exported` };
  }
  await removeStale(onnxPath, [names.graph]);
  return { onnxPath: names.graph, features, reused: false, rewritten: true };
}
