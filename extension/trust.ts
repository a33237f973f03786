// Workspace trust: in Restricted Mode nothing loads a model, even a command invoked by id.
import * as vscode from 'vscode';

/** True (and tells the user why) when `action` must not run because the workspace is untrusted. */
export function refuseIfUntrusted(action: string): boolean {
  if (vscode.workspace.isTrusted) return false;
  void vscode.window
    .showWarningMessage(`R1 Local: ${action} is not available in Restricted Mode. Trust this workspace to use the local model.`, 'Manage Workspace Trust')
    .then((choice) => {
      if (choice) void vscode.commands.executeCommand('workbench.trust.manage');
    });
  return true;
}
