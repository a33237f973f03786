// The model manager's VS Code side, registered from the composition root in one line:
// "Download Model…", "Select Model Folder…", and the check of the configured model folders.

import * as vscode from 'vscode';
import type { ExtensionServices } from '../services';
import { downloadModelCommand } from './downloadCommand';
import { watchConfiguredModels } from './configuredModelCheck';
import { selectModelFolderCommand } from './selectModelFolderCommand';

export function registerModelCommands(s: ExtensionServices): void {
  s.context.subscriptions.push(
    vscode.commands.registerCommand('r1Local.downloadModel', (args?: unknown) => downloadModelCommand(s, args)),
    vscode.commands.registerCommand('r1Local.selectModelFolder', (folder?: unknown) => selectModelFolderCommand(s, folder)),
    watchConfiguredModels(s),
  );
}
