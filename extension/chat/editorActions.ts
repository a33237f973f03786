// The chat's effects on the editor, done with VS Code APIs: insert code at the cursor through a
// WorkspaceEdit (undoable, one step), copy to the clipboard, open a link only if it is http(s) and
// the user agrees, and run one of the model-setup commands.
import * as vscode from 'vscode';
import type { ModelSetupCommand } from '../../engine/common/chat/protocol';
import type { ChatLog } from '../core/chat/chatController';

export async function insertAtCursor(code: string, log: ChatLog): Promise<void> {
  const editor = vscode.window.activeTextEditor ?? vscode.window.visibleTextEditors[0];
  if (!editor) {
    void vscode.window.showInformationMessage('R1 Local: open a file and place the cursor where the code should go, then press Insert again.');
    return;
  }
  const edit = new vscode.WorkspaceEdit();
  edit.replace(editor.document.uri, editor.selection, code);
  const applied = await vscode.workspace.applyEdit(edit);
  if (!applied) {
    log.warn(`chat view: could not insert code into ${editor.document.uri.toString()}`);
    void vscode.window.showWarningMessage('R1 Local: the code could not be inserted (is the file read-only?).');
    return;
  }
  await vscode.window.showTextDocument(editor.document, editor.viewColumn);
}

export async function copyToClipboard(code: string): Promise<void> {
  await vscode.env.clipboard.writeText(code);
  vscode.window.setStatusBarMessage('R1 Local: code copied', 2000);
}

/** Only absolute http(s) URLs; anything else from model output is refused and logged. */
export function parseExternalLink(url: string): vscode.Uri | undefined {
  if (!/^https?:\/\//i.test(url)) return undefined;
  try {
    const uri = vscode.Uri.parse(url, true);
    return uri.scheme === 'http' || uri.scheme === 'https' ? uri : undefined;
  } catch {
    return undefined;
  }
}

export async function openLinkAfterConfirmation(url: string, log: ChatLog): Promise<void> {
  const uri = parseExternalLink(url);
  if (!uri) {
    log.warn(`chat view: refused to open a non-http(s) link: ${url.slice(0, 200)}`);
    return;
  }
  const open = 'Open Link';
  const choice = await vscode.window.showWarningMessage(
    'Open a link from the model’s answer in your browser?',
    { modal: true, detail: `${uri.toString(true)}\n\nModel output can contain any address; opening it leaves this machine.` },
    open,
  );
  if (choice === open) await vscode.env.openExternal(uri);
}

export async function runSetupCommand(command: ModelSetupCommand, log: ChatLog): Promise<void> {
  try {
    await vscode.commands.executeCommand(command);
  } catch (error) {
    log.warn(`chat view: ${command} failed: ${error instanceof Error ? error.message : String(error)}`);
    void vscode.window.showErrorMessage(`R1 Local: ${command} is not available yet.`);
  }
}
