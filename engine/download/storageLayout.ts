// Where a downloaded model lives: `<storageRoot>/models/<owner>/<name>/<revision>/`. The revision
// is the one asked for (a branch like `main`, or a commit); the manifest inside records the commit
// it resolved to.

import { join } from 'node:path';
import { DownloadError } from './errors';
import { checkRepoName } from './hubClient';

export function modelFolderFor(storageRoot: string, repo: string, revision: string): string {
  checkRepoName(repo);
  // Revisions may contain `/` (refs/pr/1): keep them one folder level, readable and safe.
  const revisionDir = revision.replace(/[^\w.-]/g, '_');
  if (!revisionDir || revisionDir === '.' || revisionDir === '..') throw new DownloadError('bad-input', `"${revision}" is not a usable revision name.`);
  return join(storageRoot, 'models', ...repo.split('/'), revisionDir);
}
