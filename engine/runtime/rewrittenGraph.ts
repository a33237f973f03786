// The rewritten decoder graph on disk: written once next to the model file (external-data
// locations are relative to the .onnx file's folder, so the copy must live beside it) and reused
// while the model file keeps its size and mtime. A JSON sidecar, written last, records what the
// rewrite did and marks the set of files complete. When the folder cannot be written, the model runs as
// exported and the reason is returned.
import { createHash } from 'node:crypto';
import { readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { onnx } from 'onnx-proto';
import { readOnnxSkeleton } from '../model/onnxSkeleton';
import { embeddingTableBytes } from './embeddingRewrite';
import { isEmbeddingSpec } from './embeddingTable';
import { AS_EXPORTED, rewriteDecoderGraph, type GraphFeatures } from './graphRewrite';

/** Bump when the rewrite changes, so graphs cached by an older version are rebuilt. */
const REWRITE_VERSION = 7;
const MARK = '.r1-rewrite-';

export interface PreparedGraph {
  /** The .onnx file to load: the rewritten copy, or the original when rewriting was not possible. */
  onnxPath: string;
  features: GraphFeatures;
  /** True when an earlier load had already written the rewritten copy. */
  reused: boolean;
}

function cachedNames(onnxPath: string, key: string): { graph: string; sidecar: string; embedding: string } {
  const graph = join(dirname(onnxPath), `${basename(onnxPath, '.onnx')}${MARK}${key}.onnx`);
  // An embedding table stored in a form that cannot be referenced in place (float_data rather than
  // raw_data) moves into a file of its own (embeddingRewrite.ts).
  return { graph, sidecar: `${graph}.json`, embedding: `${graph}.embed` };
}

interface Sidecar {
  features: GraphFeatures;
  /** Inline initializers the copy references in the original file (onnxSkeleton.ts); 0 for external-data exports. */
  movedInitializers: number;
}

async function readSidecar(path: string): Promise<Sidecar | undefined> {
  try {
    const { version, movedInitializers, ...features } = JSON.parse(await readFile(path, 'utf8')) as GraphFeatures & { version?: number; movedInitializers?: number };
    const valid =
      version === REWRITE_VERSION &&
      ['heads', 'rows', 'capacity'].includes(features.kvOrder) &&
      (features.embedding === undefined || isEmbeddingSpec(features.embedding)) &&
      Number.isSafeInteger(movedInitializers);
    return valid ? { features, movedInitializers: movedInitializers! } : undefined;
  } catch {
    return undefined;
  }
}

/** Copies of older model files or older rewrite versions: nothing will load them again. */
async function removeStale(onnxPath: string, keep: string): Promise<void> {
  const prefix = `${basename(onnxPath, '.onnx')}${MARK}`;
  try {
    for (const name of await readdir(dirname(onnxPath))) {
      if (name.startsWith(prefix) && !name.startsWith(basename(keep))) await rm(join(dirname(onnxPath), name), { force: true });
    }
  } catch {
    // Best effort: a stale copy only costs disk space.
  }
}

export async function prepareRewrittenGraph(onnxPath: string): Promise<PreparedGraph> {
  const info = await stat(onnxPath);
  const key = createHash('sha256').update(`${REWRITE_VERSION}:${info.size}:${info.mtimeMs}`).digest('hex').slice(0, 12);
  const names = cachedNames(onnxPath, key);
  const known = await readSidecar(names.sidecar);
  if (known) {
    try {
      await stat(names.graph);
      const embedding = known.features.embedding;
      if (embedding?.file === basename(names.embedding) && (await stat(names.embedding)).size !== embeddingTableBytes(embedding)) {
        throw new Error('embedding file damaged');
      }
      return { onnxPath: names.graph, features: known.features, reused: true };
    } catch {
      // The sidecar outlived its graph or one of its files: write them all again.
    }
  }

  // Large inline weights are not read: the copy refers to them where they lie in the original file.
  const skeleton = await readOnnxSkeleton(onnxPath);
  const model = onnx.ModelProto.decode(skeleton.bytes);
  const movedInitializers = skeleton.movedInitializers;
  const { features, inlineEmbedding } = rewriteDecoderGraph(model, { inlineEmbeddingFile: basename(names.embedding) });
  const tmpSuffix = `.tmp-${process.pid}-${Date.now()}`;
  try {
    if (inlineEmbedding) {
      await writeFile(names.embedding + tmpSuffix, inlineEmbedding);
      await rename(names.embedding + tmpSuffix, names.embedding);
    }
    await writeFile(names.graph + tmpSuffix, onnx.ModelProto.encode(model).finish());
    await rename(names.graph + tmpSuffix, names.graph);
    await writeFile(names.sidecar + tmpSuffix, JSON.stringify({ version: REWRITE_VERSION, movedInitializers, ...features }, null, 2));
    await rename(names.sidecar + tmpSuffix, names.sidecar);
  } catch (err) {
    for (const path of Object.values(names)) await rm(path + tmpSuffix, { force: true });
    const why = err instanceof Error ? err.message : String(err);
    return { onnxPath, features: { ...AS_EXPORTED, skipped: [`the rewritten graph could not be written next to the model (${why}): running the graph as exported`] }, reused: false };
  }
  await removeStale(onnxPath, names.graph);
  return { onnxPath: names.graph, features, reused: false };
}
