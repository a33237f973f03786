/// <reference types="mocha" />
// Restricted Mode: the workspace is not trusted, so the extension must not load a model, whether
// asked through its API or through a command, even though a valid model is configured.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activeExtension, extensionServices, useTestModel, waitFor } from '../extensionUnderTest';

suite('restricted mode', () => {
  test('the workspace is untrusted in this suite', () => {
    assert.equal(vscode.workspace.isTrusted, false);
  });

  test('the extension still activates (limited support)', async () => {
    assert.equal((await activeExtension()).isActive, true);
  });

  test('loading a model is refused with the "untrusted" error', async () => {
    await useTestModel();
    const { engine } = await extensionServices();
    await assert.rejects(engine.load(), (error: unknown) => (error as { code?: string }).code === 'untrusted');
    assert.equal(engine.modelInfo, undefined);
    assert.notEqual(engine.state.kind, 'ready');
  });

  test('vscode.lm lists the model, but a request answers an error saying to trust the workspace', async () => {
    await useTestModel();
    const model = await waitFor('the r1-local model', async () => (await vscode.lm.selectChatModels({ vendor: 'r1-local' }))[0]);
    const { engine } = await extensionServices();
    await assert.rejects(async () => {
      const response = await model.sendRequest([vscode.LanguageModelChatMessage.User('hello')]);
      for await (const part of response.stream) void part;
    }, /trust this workspace/);
    assert.equal(engine.modelInfo, undefined);
  });

  test('"Restart Engine" refuses instead of loading', async () => {
    const { engine } = await extensionServices();
    await vscode.commands.executeCommand('r1Local.retryEngine');
    assert.equal(engine.modelInfo, undefined);
    assert.notEqual(engine.state.kind, 'ready');
  });
});
