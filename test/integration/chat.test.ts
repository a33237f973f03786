/// <reference types="mocha" />
// The chat side panel and "Explain Selection" in the real extension host, on the scripted model.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { extensionServices, openWorkspaceFile, useTestModel, waitFor } from './extensionUnderTest';

suite('chat', () => {
  test('"Open Chat" resolves the chat view and its webview says ready', async () => {
    const { chat } = await extensionServices();
    await vscode.commands.executeCommand('r1Local.openChat');
    // Only a resolved view whose script ran can say `ready`: a broken bundle, CSP or view id fails here.
    await waitFor('the chat webview to say ready', () => (chat.viewReady ? true : undefined));
  });

  test('"Explain Selection" adds an explain turn that streams reasoning and an answer', async () => {
    await useTestModel();
    const { chat } = await extensionServices();
    const editor = await openWorkspaceFile('sample.ts');
    editor.selection = new vscode.Selection(0, 0, editor.document.lineCount - 1, 0);
    const turnsBefore = chat.snapshot().conversation.turns.length;
    await vscode.commands.executeCommand('r1Local.explainSelection');
    const turn = await waitFor('the explain turn', () => {
      const turns = chat.snapshot().conversation.turns;
      return turns.length > turnsBefore ? turns[turns.length - 1] : undefined;
    });
    assert.equal(turn.kind, 'explain');
    assert.match(turn.user, /add/, 'the prompt carries the selected code');
    await chat.whenIdle();
    const finished = chat.snapshot().conversation.turns.find((t) => t.id === turn.id);
    assert.ok(finished, 'the turn is kept in the conversation');
    assert.equal(finished.status, 'done', finished.error);
    assert.ok(finished.reasoning.trim().length > 0, 'the reasoning channel has text');
    assert.ok(finished.answer.trim().length > 0, 'the answer channel has text');
    assert.ok(!finished.answer.includes('</think>'), 'the answer does not contain the reasoning delimiter');
  });
});
