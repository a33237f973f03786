// Where a downloaded model lives: `<storageRoot>/models/<owner>/<name>/<revision>/<variant>/`.
// The revision is the one asked for (a branch like `main`, or a commit); the manifest inside
// records the commit it resolved to. Each variant gets its own folder because the engine picks the
// ONNX file from what a folder contains: two variants side by side would make that choice ambiguous.

import { join } from 'node:path';
import { DownloadError } from './errors';
import { checkRepoName } from './hubClient';

export function modelFolderFor(storageRoot: string, repo: string, revision: string, variant: string): string {
  checkRepoName(repo);
  return join(storageRoot, 'models', ...repo.split('/'), folderName(revision, 'revision'), folderName(variant, 'variant'));
}

/** One safe, readable folder level: `/` and other odd characters (refs/pr/1) become `_`. */
function folderName(value: string, what: string): string {
  const name = value.replace(/[^\w.-]/g, '_');
  if (!name || name === '.' || name === '..') throw new DownloadError('bad-input', `"${value}" is not a usable ${what} name.`);
  return name;
}
