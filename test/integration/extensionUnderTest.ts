// Shared facts and steps for the integration tests (they run inside the extension host).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import manifest from '../../package.json';
import type { ExtensionApi } from '../../extension/extension';

export const extensionId = `${manifest.publisher}.${manifest.name}`;

export async function activeExtension(): Promise<vscode.Extension<unknown>> {
  const extension = vscode.extensions.getExtension(extensionId);
  assert.ok(extension, `extension ${extensionId} is not installed in this window`);
  await extension.activate();
  return extension;
}

/** The launcher generates a scripted model and names its folder here (see test/e2e/integrationSuite.test.ts, .vscode-test.mjs). */
export function testModelPath(): string {
  const path = process.env.R1_LOCAL_TEST_MODEL;
  assert.ok(path, 'R1_LOCAL_TEST_MODEL must name the generated scripted model folder');
  return path;
}

/** Points the user setting at the test model (the launcher may already have written it). */
export async function useTestModel(): Promise<string> {
  const path = testModelPath();
  const config = vscode.workspace.getConfiguration('r1Local');
  if (config.get('modelPath') !== path) await config.update('modelPath', path, vscode.ConfigurationTarget.Global);
  return path;
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** What activate() returns: the extension's shared services (the local engine, settings, log) and the chat. */
export async function extensionServices(): Promise<ExtensionApi> {
  const api = (await activeExtension()).exports as Partial<ExtensionApi> | undefined;
  assert.ok(api?.engine && api.chat, 'activate() must return the extension API (services and chat, see extension/extension.ts)');
  return api as ExtensionApi;
}

/** Opens a file of the first workspace folder in an editor. */
export async function openWorkspaceFile(relativePath: string): Promise<vscode.TextEditor> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the suite needs a workspace folder');
  const document = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder.uri, relativePath));
  return vscode.window.showTextDocument(document);
}
