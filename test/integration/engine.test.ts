/// <reference types="mocha" />
// The engine in the real extension host: the engine host child process starts with the editor's
// Node and loads the generated scripted model named by the user setting.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { extensionServices, useTestModel, waitFor } from './extensionUnderTest';

suite('engine', () => {
  suiteSetup(() => {
    assert.equal(vscode.workspace.isTrusted, true, 'this suite needs a trusted workspace');
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

  test('after r1Local.modelPath changes, the loaded model is forgotten and the next load uses the new folder', async () => {
    const modelPath = await useTestModel();
    const { engine } = await extensionServices();
    await engine.load();
    const config = vscode.workspace.getConfiguration('r1Local');
    const moved = `${modelPath}-moved`;
    try {
      await config.update('modelPath', moved, vscode.ConfigurationTarget.Global);
      await waitFor('the old model to be unloaded', () => (engine.modelInfo === undefined ? true : undefined));
      // A completion asks for the model info next: it must come from the new folder, not the old one.
      await assert.rejects(engine.load(), (e: unknown) => e instanceof Error && e.message.includes(moved));
    } finally {
      await config.update('modelPath', modelPath, vscode.ConfigurationTarget.Global);
    }
    assert.equal((await engine.load()).modelPath, modelPath);
  });
});
