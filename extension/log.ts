// The extension's diagnostics channel. Prompts and generated text are written at `trace` level
// only, which VS Code drops unless the user set the channel's level to Trace.
import * as vscode from 'vscode';

export function createLog(): vscode.LogOutputChannel {
  return vscode.window.createOutputChannel('R1 Local', { log: true });
}
