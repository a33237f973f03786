/// <reference types="mocha" />
// Inline completions through the real editor: trigger the inline suggestion where the cursor is,
// accept it, and the model's text is in the document.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { openWorkspaceFile, useTestModel, waitFor } from './extensionUnderTest';

suite('inline completions', () => {
  test('an inline completion is offered at the cursor and accepting it inserts it', async () => {
    await useTestModel();
    const editor = await openWorkspaceFile('sample.ts');
    const before = editor.document.getText();
    const end = editor.document.positionAt(before.length);
    editor.selection = new vscode.Selection(end, end);
    try {
      // Ask for a suggestion, then accept whatever is shown; the first tries may come before the model is loaded.
      const after = await waitFor('an accepted inline completion', async () => {
        await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
        await new Promise((r) => setTimeout(r, 1_000));
        await vscode.commands.executeCommand('editor.action.inlineSuggest.commit');
        const text = editor.document.getText();
        return text !== before ? text : undefined;
      }, 90_000);
      assert.ok(after.startsWith(before), 'the completion is inserted at the cursor, after the existing text');
      assert.ok(after.length > before.length && after.slice(before.length).trim().length > 0, 'the inserted text is not blank');
    } finally {
      await vscode.commands.executeCommand('workbench.action.files.revert');
    }
  });
});
