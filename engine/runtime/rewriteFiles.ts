// Names of the files the engine writes next to a model's .onnx file: the rewritten graph, its
// sidecar and its embedding table, or the graph as exported with its shape annotations repaired.
// The key changes with the model file and the rewrite's version, so stale copies are recognised.
import { createHash } from 'node:crypto';
import { readdir, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Bump when the rewrite changes, so graphs cached (or failures recorded) by an older version are redone. */
export const REWRITE_VERSION = 8;
const MARK = '.r1-';

export interface CachedNames {
  graph: string;
  sidecar: string;
  embedding: string;
}

/** Changes with the model file (size, mtime) and with the rewrite's version. */
export async function fileKey(onnxPath: string): Promise<string> {
  const info = await stat(onnxPath);
  return createHash('sha256').update(`${REWRITE_VERSION}:${info.size}:${info.mtimeMs}`).digest('hex').slice(0, 12);
}

export function cachedNames(onnxPath: string, kind: 'rewrite' | 'exact' | 'exported', key: string): CachedNames {
  const graph = join(dirname(onnxPath), `${basename(onnxPath, '.onnx')}${MARK}${kind}-${key}.onnx`);
  // An embedding table stored in a form that cannot be referenced in place (float_data rather than
  // raw_data) moves into a file of its own (embeddingRewrite.ts).
  return { graph, sidecar: `${graph}.json`, embedding: `${graph}.embed` };
}

/**
 * Copies of older model files or older rewrite versions of the same `kind`: nothing will load them
 * again. `keep` lists the current files' paths.
 */
export async function removeStale(onnxPath: string, keep: string[]): Promise<void> {
  const kind = keep.map((k) => basename(k).replace(/-[0-9a-f]{12}\.onnx.*$/, '-'));
  const keepNames = keep.map((k) => basename(k));
  try {
    for (const name of await readdir(dirname(onnxPath))) {
      const sameKind = kind.some((prefix) => name.startsWith(prefix));
      if (sameKind && !keepNames.some((k) => name.startsWith(k))) await rm(join(dirname(onnxPath), name), { force: true });
    }
  } catch {
    // Best effort: a stale copy only costs disk space.
  }
}
