// Turns "repo + revision + variant" into the exact files to fetch: the commit the revision points
// at, and for every file its size and hash as the hub reports them. Prefers the API (revision +
// tree endpoints); falls back to HEAD headers for mirrors that only serve resolve URLs. A graph's
// external data may be split into `_data`, `_data_1`, `_data_2`, …: every chunk becomes a file of
// the plan, so each one is fetched, hashed and verified like the graph itself.

import { filesForVariant, type CatalogueFile } from './catalogue';
import { DownloadError } from './errors';
import { type HubClient, type TreeEntry, checkRepoName } from './hubClient';
import type { DownloadPlan, FileSpec, ModelSource } from './types';

export async function resolvePlan(source: ModelSource, hub: HubClient): Promise<DownloadPlan> {
  checkRepoName(source.repo);
  if (!source.revision) throw new DownloadError('bad-input', 'A revision (branch, tag or commit) is required.');
  const wanted = filesForVariant(source.repo, source.variant);

  let commit: string;
  try {
    commit = await hub.resolveCommit(source.repo, source.revision);
  } catch (error) {
    if (!(error instanceof DownloadError) || error.code !== 'not-found') throw error;
    return await planFromHeads(source, wanted, hub, error);
  }

  let tree: TreeEntry[];
  try {
    tree = await hub.listTree(source.repo, commit);
  } catch (error) {
    if (!(error instanceof DownloadError) || error.code !== 'not-found') throw error;
    return await planFromHeads({ ...source, revision: commit }, wanted, hub, error);
  }
  return { source, commit, files: planFromTree(source, wanted, tree) };
}

function planFromTree(source: ModelSource, wanted: readonly CatalogueFile[], tree: readonly TreeEntry[]): FileSpec[] {
  const byPath = new Map(tree.filter((e) => e.type === 'file').map((e) => [e.path, e]));
  const files: FileSpec[] = [];
  const planned = new Set<string>();
  const add = (want: CatalogueFile, path: string, remotePath: string, entry: TreeEntry) => {
    if (planned.has(path)) return;
    planned.add(path);
    const size = entry.lfs?.size ?? entry.size;
    if (!Number.isSafeInteger(size) || size < 0) throw new DownloadError('http', `The hub gave no size for ${remotePath}.`);
    files.push(withRemotePath({ ...want, path, remotePath }, {
      path,
      size,
      sha256: entry.lfs?.oid,
      gitBlobSha1: entry.lfs ? undefined : entry.oid || undefined,
    }));
  };
  for (const want of wanted) {
    const remotePath = want.remotePath ?? want.path;
    const entry = byPath.get(remotePath);
    if (!entry) {
      if (want.optional) continue;
      throw new DownloadError('not-found', `${source.repo}@${source.revision} has no file ${remotePath} (variant "${source.variant}").`);
    }
    add(want, want.path, remotePath, entry);
    if (!want.externalDataChunks) continue;
    for (const chunk of externalDataChunks(remotePath, byPath.keys())) {
      add(want, want.path + chunk.slice(remotePath.length), chunk, byPath.get(chunk)!);
    }
  }
  return files;
}

/**
 * The external-data chunks of `graph` among `paths`, in order: `<graph>_data`, `<graph>_data_1`,
 * `<graph>_data_2`, … (transformers.js splits large weights this way). Other names are not chunks
 * of this graph (`model_q4.onnx` has none of `model_q4f16.onnx`'s).
 */
export function externalDataChunks(graph: string, paths: Iterable<string>): string[] {
  const chunks: { path: string; index: number }[] = [];
  for (const path of paths) {
    const index = chunkIndex(graph, path);
    if (index !== undefined) chunks.push({ path, index });
  }
  return chunks.sort((a, b) => a.index - b.index).map((c) => c.path);
}

function chunkIndex(graph: string, path: string): number | undefined {
  if (!path.startsWith(`${graph}_data`)) return undefined;
  const rest = path.slice(graph.length + '_data'.length);
  if (rest === '') return 0;
  const match = /^_([1-9]\d{0,3})$/.exec(rest);
  return match ? Number(match[1]) : undefined;
}

/** Without a tree, chunks are found by asking for each in turn; there are never this many. */
const MAX_DATA_CHUNKS = 1000;

async function planFromHeads(source: ModelSource, wanted: readonly CatalogueFile[], hub: HubClient, apiError: DownloadError): Promise<DownloadPlan> {
  let commit: string | undefined;
  const files: FileSpec[] = [];
  // Once a commit is known, pin every later HEAD to it so all files come from the same commit.
  const head = async (want: CatalogueFile, path: string, remotePath: string): Promise<boolean> => {
    const info = await hub.headFile(source.repo, commit ?? source.revision, remotePath);
    if (!info) return false;
    commit ??= info.commit && /^[0-9a-f]{40}$/i.test(info.commit) ? info.commit.toLowerCase() : undefined;
    files.push(withRemotePath({ ...want, path, remotePath }, { path, size: info.size, sha256: info.sha256, gitBlobSha1: info.gitBlobSha1 }));
    return true;
  };
  for (const want of wanted) {
    const remotePath = want.remotePath ?? want.path;
    if (!(await head(want, want.path, remotePath))) {
      if (want.optional) continue;
      // Nothing answered at all: report the API's own error (usually "repository not found").
      if (files.length === 0) throw apiError;
      throw new DownloadError('not-found', `${source.repo}@${source.revision} has no file ${remotePath} (variant "${source.variant}").`);
    }
    if (!want.externalDataChunks) continue;
    // `_data`, then `_data_1`, `_data_2`, … until one is missing.
    for (let i = 0; i < MAX_DATA_CHUNKS; i++) {
      const suffix = i === 0 ? '_data' : `_data_${i}`;
      if (!(await head(want, want.path + suffix, remotePath + suffix))) break;
    }
  }
  if (!commit) throw new DownloadError('http', `The hub did not say which commit ${source.repo}@${source.revision} is (no X-Repo-Commit header).`);
  return { source, commit, files };
}

function withRemotePath(want: CatalogueFile, spec: FileSpec): FileSpec {
  return want.remotePath && want.remotePath !== want.path ? { ...spec, remotePath: want.remotePath } : spec;
}
