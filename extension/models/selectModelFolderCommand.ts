// "R1 Local: Select Model Folder…": offline install. The user picks a folder (copied from another
// machine, or downloaded by other tools); it is checked — layout, export style, ONNX external data
// inside the folder, and every file against the manifest when the folder has one — before the
// settings point at it.

import * as vscode from 'vscode';
import type { ExtensionServices } from '../services';
import { refuseIfUntrusted } from '../trust';
import { checkFolderWithProgress, offerRedownload } from './folderCheck';

/** The command; a `vscode.Uri` argument (a script, a context menu) skips the folder dialog. Resolves to the folder in use. */
export async function selectModelFolderCommand(s: ExtensionServices, arg?: unknown): Promise<string | undefined> {
  if (refuseIfUntrusted('Selecting a model folder')) return undefined;
  const folder = arg instanceof vscode.Uri ? arg : await pickFolder(s);
  if (!folder) return undefined;
  if (folder.scheme !== 'file') {
    void vscode.window.showErrorMessage("R1 Local: the model folder must be on this machine's disk.");
    return undefined;
  }
  const dir = folder.fsPath;
  const check = await checkFolderWithProgress(s, dir);
  switch (check.status) {
    case 'ok': {
      await s.settings.update('modelPath', check.root);
      const verified = check.manifest ? `all ${check.manifest.files.length} files verified against its manifest` : 'no manifest, so files were not hashed';
      s.log.info(`model folder selected: ${check.root} (${check.style}, ${check.onnxFile}; ${verified})`);
      void vscode.window.showInformationMessage(`R1 Local: using ${check.onnxFile} (${check.style} export) from ${check.root}; ${verified}.`);
      return check.root;
    }
    case 'damaged':
      return offerRedownload(s, dir, check);
    case 'invalid':
      s.log.warn(`model folder refused: ${dir}: ${check.message}`);
      void vscode.window.showErrorMessage(`R1 Local: ${check.message}`, 'Choose Another Folder').then((choice) => {
        if (choice) void vscode.commands.executeCommand('r1Local.selectModelFolder');
      });
      return undefined;
  }
}

async function pickFolder(s: ExtensionServices): Promise<vscode.Uri | undefined> {
  const current = s.settings.get('modelPath');
  const picked = await vscode.window.showOpenDialog({
    title: 'R1 Local: Select Model Folder',
    openLabel: 'Use This Model',
    canSelectFolders: true,
    canSelectFiles: false,
    canSelectMany: false,
    defaultUri: current ? vscode.Uri.file(current) : undefined,
  });
  return picked?.[0];
}
