// Checks the configured model folders when the extension starts and whenever the settings change
// them: a file that went missing, was truncated, or no longer hashes right leads to the
// "re-download?" prompt here, before the engine host is asked to load it. After the first check
// this only stats the files (hashes are cached by size+mtime), and it never touches the network.

import * as vscode from 'vscode';
import type { ExtensionServices } from '../services';
import { checkFolderWithProgress, offerRedownload } from './folderCheck';

const MODEL_KEYS = ['modelPath', 'completions.modelPath'] as const;

export function watchConfiguredModels(s: ExtensionServices): vscode.Disposable {
  const checked = new Set<string>();
  const run = async () => {
    if (!vscode.workspace.isTrusted) return;
    for (const key of MODEL_KEYS) {
      const dir = s.settings.get(key);
      if (!dir || checked.has(dir)) continue;
      checked.add(dir);
      try {
        const check = await checkFolderWithProgress(s, dir, vscode.ProgressLocation.Window);
        if (check.status === 'damaged') await offerRedownload(s, dir, check);
        else if (check.status === 'invalid') s.log.warn(`r1Local.${key}: ${check.message}`);
      } catch (error) {
        s.log.error(`model check of ${dir} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  };
  void run();
  const subscriptions = [
    s.settings.onDidChange((keys) => {
      if (MODEL_KEYS.some((k) => keys.has(k))) void run();
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => void run()),
  ];
  return vscode.Disposable.from(...subscriptions);
}
