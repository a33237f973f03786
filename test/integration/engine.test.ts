/// <reference types="mocha" />
// The engine in the real extension host: the engine host child process starts with the editor's
// Node and loads the generated scripted model named by the user setting.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { extensionServices, useTestModel } from './extensionUnderTest';

suite('engine', () => {
  test('the workspace is trusted in this suite', () => {
    assert.equal(vscode.workspace.isTrusted, true);
  });

  test('loads the model from r1Local.modelPath in a child process', async () => {
    const modelPath = await useTestModel();
    const { engine } = await extensionServices();
    const info = await engine.load();
    assert.equal(info.modelPath, modelPath);
    assert.equal(info.executionProvider, 'cpu');
    assert.equal(engine.state.kind, 'ready');
    const pid = engine.hostPid;
    assert.ok(pid !== undefined && pid !== process.pid, 'the model must load outside the extension host process');
  });
});
