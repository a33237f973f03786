// Checking a model folder from VS Code: hashes against its manifest (cached by size+mtime, so only
// the first check of a folder costs anything), then the layout; and the "re-download?" prompt when
// a file is missing, partial or corrupt, so a bad file never reaches the engine as a crash.

import { join, relative, isAbsolute } from 'node:path';
import * as vscode from 'vscode';
import { checkModelFolder, type FolderCheck } from '../../engine/download';
import type { ExtensionServices } from '../services';
import { downloadAndUse } from './downloadCommand';

/** Hash cache for folders the extension does not own (selected by the user): kept in global storage. */
function cachePathFor(s: ExtensionServices, dir: string): string | undefined {
  const storage = s.context.globalStorageUri.fsPath;
  const rel = relative(storage, dir);
  const ours = rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
  return ours ? undefined : join(storage, 'verified-hashes.json');
}

export async function checkFolderWithProgress(s: ExtensionServices, dir: string, location = vscode.ProgressLocation.Notification): Promise<FolderCheck> {
  await vscode.workspace.fs.createDirectory(s.context.globalStorageUri);
  return vscode.window.withProgress({ location, title: 'R1 Local: checking the model files' }, async (progress) => {
    let hashedBytes = 0;
    let lastReport = 0;
    const check = await checkModelFolder(dir, {
      cachePath: cachePathFor(s, dir),
      onHashBytes: (path, bytes) => {
        hashedBytes += bytes;
        if (hashedBytes - lastReport >= 64 * 1024 * 1024) {
          lastReport = hashedBytes;
          progress.report({ message: `verifying ${path} (${Math.round(hashedBytes / 1e6)} MB hashed; once per file)` });
        }
      },
    });
    if (check.status === 'ok' && check.hashed.length > 0) s.log.info(`model check: hashed ${check.hashed.join(', ')} (cached from now on)`);
    return check;
  });
}

/**
 * Tells the user what is wrong with a damaged folder and offers to download the bad files again
 * (into the same folder, from the source its manifest records). Resolves to the repaired folder.
 */
export async function offerRedownload(s: ExtensionServices, dir: string, check: Extract<FolderCheck, { status: 'damaged' }>): Promise<string | undefined> {
  s.log.warn(`model check: ${dir}: ${check.message}`);
  const manifest = check.manifest;
  const actions = manifest ? ['Download Again', 'Choose Another Folder'] : ['Download a Model…', 'Choose Another Folder'];
  const choice = await vscode.window.showWarningMessage(`R1 Local: ${check.message} Re-download?`, ...actions);
  if (choice === 'Download Again' && manifest) {
    const source = { endpoint: manifest.endpoint, repo: manifest.repo, revision: manifest.commit, variant: manifest.variant };
    const role = s.settings.get('completions.modelPath') === dir ? 'completion' : 'chat';
    return downloadAndUse(s, source, role, dir);
  }
  if (choice === 'Download a Model…') await vscode.commands.executeCommand('r1Local.downloadModel');
  if (choice === 'Choose Another Folder') await vscode.commands.executeCommand('r1Local.selectModelFolder');
  return undefined;
}
