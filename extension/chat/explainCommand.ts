// `r1Local.explainSelection`: gathers the selection — or, with none, the function around the cursor
// (document symbol provider) or else its indentation block — builds the explain prompt and starts
// it as a new chat turn, opening the chat view first.
import * as vscode from 'vscode';
import type { ChatController, ChatLog } from '../core/chat/chatController';
import { type ExplainSource, buildExplainPrompt } from '../../engine/common/explain/explainPrompt';
import { enclosingIndentationBlock } from '../core/chat/indentationBlock';
import { type SymbolNode, functionAtLine } from '../core/chat/symbolAtCursor';

export async function explainInActiveEditor(controller: ChatController, log: ChatLog, revealChat: () => Thenable<unknown>): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    void vscode.window.showInformationMessage('R1 Local: open a file and select the code to explain.');
    return;
  }
  const source = await explainSource(editor, log);
  if (!source) {
    void vscode.window.showInformationMessage('R1 Local: there is no code around the cursor to explain.');
    return;
  }
  const { prompt } = buildExplainPrompt(source);
  await revealChat();
  const started = controller.explain(prompt);
  if (started === 'busy') void vscode.window.showInformationMessage('R1 Local: a reply is still being generated. Stop it first, then explain again.');
}

async function explainSource(editor: vscode.TextEditor, log: ChatLog): Promise<ExplainSource | undefined> {
  const document = editor.document;
  const lines = Array.from({ length: document.lineCount }, (_, i) => document.lineAt(i).text);
  const base = { fileName: vscode.workspace.asRelativePath(document.uri, false), languageId: document.languageId, lines };
  const selection = editor.selection;
  if (!selection.isEmpty) {
    // A selection ending at column 0 of a line does not include that line.
    const end = selection.end.character === 0 && selection.end.line > selection.start.line ? selection.end.line - 1 : selection.end.line;
    return { ...base, start: selection.start.line, end, selectedText: document.getText(selection) };
  }
  const line = selection.active.line;
  const symbol = functionAtLine(await documentSymbols(document.uri, log), line);
  if (symbol) return { ...base, start: symbol.range.start, end: symbol.range.end, symbolName: symbol.name };
  const block = enclosingIndentationBlock(lines, line);
  return block ? { ...base, start: block.start, end: block.end } : undefined;
}

async function documentSymbols(uri: vscode.Uri, log: ChatLog): Promise<SymbolNode[]> {
  try {
    const symbols = await vscode.commands.executeCommand<(vscode.DocumentSymbol | vscode.SymbolInformation)[] | undefined>(
      'vscode.executeDocumentSymbolProvider',
      uri,
    );
    return (symbols ?? []).map(toSymbolNode);
  } catch (error) {
    // No provider for this language, or it failed: the indentation block is the fallback.
    log.info(`explain: document symbols unavailable: ${error instanceof Error ? error.message : String(error)}`);
    return [];
  }
}

function toSymbolNode(symbol: vscode.DocumentSymbol | vscode.SymbolInformation): SymbolNode {
  const range = 'location' in symbol ? symbol.location.range : symbol.range;
  const children = 'children' in symbol ? symbol.children.map(toSymbolNode) : [];
  return { name: symbol.name, kind: symbol.kind, range: { start: range.start.line, end: range.end.line }, children };
}
