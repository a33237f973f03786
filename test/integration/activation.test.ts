/// <reference types="mocha" />
// The extension in a real extension host: it activates, and everything package.json promises exists.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activeExtension } from './extensionUnderTest';

interface ContributedSetting {
  default?: unknown;
}

/** The parts of package.json these tests read, as VS Code loaded it. */
interface Manifest {
  contributes?: {
    commands?: { command: string }[];
    configuration?: { properties?: Record<string, ContributedSetting> } | { properties?: Record<string, ContributedSetting> }[];
  };
}

async function manifest(): Promise<Manifest> {
  return (await activeExtension()).packageJSON as Manifest;
}

suite('activation', () => {
  test('the extension activates without error', async () => {
    const extension = await activeExtension();
    assert.equal(extension.isActive, true);
  });

  test('every contributed command is registered', async () => {
    const contributed = ((await manifest()).contributes?.commands ?? []).map((c) => c.command);
    assert.ok(contributed.length > 0, 'package.json contributes no commands');
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.deepEqual(contributed.filter((id) => !registered.has(id)), [], 'contributed but not registered');
  });

  test('every contributed setting is readable with its declared default', async () => {
    const sections = [(await manifest()).contributes?.configuration ?? []].flat();
    const properties: Record<string, ContributedSetting> = Object.assign({}, ...sections.map((s) => s.properties ?? {}));
    assert.ok(Object.keys(properties).length > 0, 'package.json contributes no settings');
    for (const [key, declared] of Object.entries(properties)) {
      const inspected = vscode.workspace.getConfiguration().inspect(key);
      assert.ok(inspected, `setting ${key} is unknown to VS Code`);
      if ('default' in declared) assert.deepEqual(inspected.defaultValue, declared.default, `default of ${key}`);
    }
  });
});
