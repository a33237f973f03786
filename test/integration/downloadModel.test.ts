/// <reference types="mocha" />
// The model manager inside a real extension host: "Download Model…" fetches the generated test
// model from a fake hub on 127.0.0.1 (one connection cut mid-file, so it resumes), stores it under
// the extension's global storage, verifies it and points r1Local.modelPath at it; "Select Model
// Folder…" then accepts that folder. The previous model setting is restored afterwards.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { HubServer, folderAsHubFiles } from '../helpers/hubServer';
import { activeExtension, testModelPath } from './extensionUnderTest';

const REPO = 'test-org/scripted-r1-ONNX';

suite('model download', () => {
  const config = () => vscode.workspace.getConfiguration('r1Local');
  let hub: HubServer;
  let previousModel: string | undefined;
  let downloaded: string | undefined;

  suiteSetup(async () => {
    await activeExtension();
    previousModel = config().inspect<string>('modelPath')?.globalValue;
    hub = await new HubServer().start();
    hub.addRepo(REPO, folderAsHubFiles(testModelPath()));
  });

  suiteTeardown(async () => {
    await hub?.stop();
    await config().update('modelPath', previousModel, vscode.ConfigurationTarget.Global);
  });

  test('Download Model fetches, verifies and selects the model', async () => {
    hub.injectFaults('onnx/model.onnx', { kind: 'drop', at: 10_000 });
    downloaded = await vscode.commands.executeCommand<string | undefined>('r1Local.downloadModel', { endpoint: hub.hubUrl, repo: REPO, revision: 'main', variant: 'fp32' });
    assert.ok(downloaded, 'the command resolves to the model folder');
    assert.match(downloaded, /models[\\/]test-org[\\/]scripted-r1-ONNX[\\/]main[\\/]fp32$/);
    assert.equal(config().get('modelPath'), downloaded);
    const manifest = JSON.parse(readFileSync(join(downloaded, 'r1-local-manifest.json'), 'utf8')) as { complete: boolean; commit: string };
    assert.equal(manifest.complete, true);
    assert.equal(manifest.commit, hub.repos.get(REPO)?.commit);
    assert.ok(existsSync(join(downloaded, 'onnx', 'model.onnx')));
    assert.ok(!existsSync(join(downloaded, 'onnx', 'model.onnx.incomplete')));
    assert.ok(hub.contentRequestCount('onnx/model.onnx') >= 2, 'the cut transfer was resumed');
  });

  test('Select Model Folder accepts the downloaded folder', async () => {
    assert.ok(downloaded);
    await config().update('modelPath', previousModel, vscode.ConfigurationTarget.Global);
    const selected = await vscode.commands.executeCommand<string | undefined>('r1Local.selectModelFolder', vscode.Uri.file(downloaded));
    assert.ok(selected);
    assert.equal(config().get('modelPath'), selected);
  });
});
