// The thin VS Code side of completions: turns the editor's request into a plain query for the
// CompletionService and its answer into one inline item. The editor's CancellationToken stops here
// and becomes an AbortSignal.
import * as vscode from 'vscode';
import type { CompletionService } from '../core/completion/completionService';
import { documentSource } from './documentSource';

export class LocalInlineCompletionProvider implements vscode.InlineCompletionItemProvider {
  constructor(private readonly service: CompletionService) {}

  async provideInlineCompletionItems(
    document: vscode.TextDocument,
    position: vscode.Position,
    context: vscode.InlineCompletionContext,
    token: vscode.CancellationToken,
  ): Promise<vscode.InlineCompletionItem[] | undefined> {
    // With the suggest widget open VS Code shows only items extending its selection; a model
    // run for that narrow case is not worth the CPU.
    if (context.selectedCompletionInfo) return undefined;
    const editor = vscode.window.activeTextEditor;
    const cursorCount = editor && editor.document === document ? editor.selections.length : 1;

    const controller = new AbortController();
    const subscription = token.onCancellationRequested(() => controller.abort());
    if (token.isCancellationRequested) controller.abort();
    try {
      const version = document.version;
      const answer = await this.service.provide(
        {
          document: document.uri.toString(),
          version,
          text: documentSource(document),
          offset: document.offsetAt(position),
          languageId: document.languageId,
          cursorCount,
          manual: context.triggerKind === vscode.InlineCompletionTriggerKind.Invoke,
        },
        controller.signal,
      );
      // An answer for a document that changed meanwhile would be inserted at the wrong place.
      if (!answer || token.isCancellationRequested || document.version !== version) return undefined;
      return [new vscode.InlineCompletionItem(answer.text, new vscode.Range(position, position))];
    } finally {
      subscription.dispose();
    }
  }
}
