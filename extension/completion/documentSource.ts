// A TextSource over a VS Code document that reads only the ranges asked for: `getText()` would
// copy the whole file on every keystroke.
import * as vscode from 'vscode';
import type { TextSource } from '../core/completion/textSource';

export function documentSource(document: vscode.TextDocument): TextSource {
  const lastLine = document.lineAt(document.lineCount - 1);
  const length = document.offsetAt(lastLine.range.end);
  return {
    length,
    slice(start: number, end: number): string {
      const from = Math.max(0, Math.min(start, length));
      const to = Math.max(from, Math.min(end, length));
      if (from === to) return '';
      return document.getText(new vscode.Range(document.positionAt(from), document.positionAt(to)));
    },
  };
}
