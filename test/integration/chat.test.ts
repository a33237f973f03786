/// <reference types="mocha" />
// The chat side panel and "Explain Selection" in the real extension host, on the scripted model.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { extensionServices, openWorkspaceFile, useTestModel, waitFor } from './extensionUnderTest';

suite('chat', () => {
  test('"Open Chat" reveals the chat view', async () => {
    await vscode.commands.executeCommand('r1Local.openChat');
    // The view's own focus command exists only once VS Code knows the contributed view.
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('r1Local.chatView.focus'));
    const { chat } = await extensionServices();
    assert.ok(chat.snapshot().conversation, 'the chat has a conversation to show');
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
