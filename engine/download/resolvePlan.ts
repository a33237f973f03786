// Turns "repo + revision + variant" into the exact files to fetch: the commit the revision points
// at, and for every file its size and hash as the hub reports them. Prefers the API (revision +
// tree endpoints); falls back to HEAD headers for mirrors that only serve resolve URLs.

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
  for (const want of wanted) {
    const remotePath = want.remotePath ?? want.path;
    const entry = byPath.get(remotePath);
    if (!entry) {
      if (want.optional) continue;
      throw new DownloadError('not-found', `${source.repo}@${source.revision} has no file ${remotePath} (variant "${source.variant}").`);
    }
    const size = entry.lfs?.size ?? entry.size;
    if (!Number.isSafeInteger(size) || size < 0) throw new DownloadError('http', `The hub gave no size for ${remotePath}.`);
    files.push(withRemotePath(want, {
      path: want.path,
      size,
      sha256: entry.lfs?.oid,
      gitBlobSha1: entry.lfs ? undefined : entry.oid || undefined,
    }));
  }
  return files;
}

async function planFromHeads(source: ModelSource, wanted: readonly CatalogueFile[], hub: HubClient, apiError: DownloadError): Promise<DownloadPlan> {
  let commit: string | undefined;
  const files: FileSpec[] = [];
  for (const want of wanted) {
    const remotePath = want.remotePath ?? want.path;
    // Once a commit is known, pin every later HEAD to it so all files come from the same commit.
    const info = await hub.headFile(source.repo, commit ?? source.revision, remotePath);
    if (!info) {
      if (want.optional) continue;
      // Nothing answered at all: report the API's own error (usually "repository not found").
      if (files.length === 0) throw apiError;
      throw new DownloadError('not-found', `${source.repo}@${source.revision} has no file ${remotePath} (variant "${source.variant}").`);
    }
    commit ??= info.commit && /^[0-9a-f]{40}$/i.test(info.commit) ? info.commit.toLowerCase() : undefined;
    files.push(withRemotePath(want, { path: want.path, size: info.size, sha256: info.sha256, gitBlobSha1: info.gitBlobSha1 }));
  }
  if (!commit) throw new DownloadError('http', `The hub did not say which commit ${source.repo}@${source.revision} is (no X-Repo-Commit header).`);
  return { source, commit, files };
}

function withRemotePath(want: CatalogueFile, spec: FileSpec): FileSpec {
  return want.remotePath && want.remotePath !== want.path ? { ...spec, remotePath: want.remotePath } : spec;
}
