// An untrusted workspace must never redirect code to its own server: every setting that chooses the
// backend or the server is restricted, so VS Code ignores it in a workspace's settings until the
// workspace is trusted (settings.ts reads through getConfiguration, which applies that rule).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { settingId, settingKeys, settingsSchema, type SettingSpec } from '../../extension/core/settingsSchema';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));

test('backend and every remote.* setting are restricted, in the schema and in package.json', () => {
  const remote = settingKeys.filter((k) => k === 'backend' || k.startsWith('remote.'));
  assert.deepEqual(remote.sort(), ['backend', 'remote.api', 'remote.chatModel', 'remote.completionModel', 'remote.endpoint', 'remote.fim', 'remote.timeoutMs']);
  for (const key of remote) {
    assert.equal((settingsSchema[key] as SettingSpec).restricted, true, key);
    assert.ok(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations.includes(settingId(key)), key);
  }
});

test('no setting holds the API key: it lives in SecretStorage, set by a contributed command', () => {
  assert.ok(settingKeys.every((k) => !/apikey|api_key|secret|password|bearer/i.test(k)));
  const command = pkg.contributes.commands.find((c: { command: string }) => c.command === 'r1Local.setServerApiKey');
  assert.deepEqual(command, { command: 'r1Local.setServerApiKey', title: 'Set Server API Key…', category: 'R1 Local' });
});
