// Settings are declared once in settingsSchema.ts; package.json must contribute exactly those keys
// with the same type, default and bounds, and restrict exactly the ones that pick a file, URL,
// provider or thread count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { coerceSetting, restrictedSettingIds, settingId, settingKeys, settingsSchema, type SettingSpec } from '../../extension/core/settingsSchema';

interface Contributed {
  type: string;
  default: unknown;
  enum?: string[];
  minimum?: number;
  maximum?: number;
  description?: string;
  markdownDescription?: string;
}

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const properties: Record<string, Contributed> = pkg.contributes.configuration.properties;

test('package.json contributes every setting of the schema and nothing else', () => {
  assert.deepEqual(Object.keys(properties).sort(), settingKeys.map(settingId).sort());
});

test('contributed type, default, enum and bounds equal the schema, and each has a description', () => {
  for (const key of settingKeys) {
    const spec: SettingSpec = settingsSchema[key];
    const c = properties[settingId(key)];
    assert.equal(c.type, spec.type, `${key} type`);
    assert.deepEqual(c.default, spec.default, `${key} default`);
    if (spec.type === 'string') assert.deepEqual(c.enum, spec.enum ? [...spec.enum] : undefined, `${key} enum`);
    if (spec.type === 'integer' || spec.type === 'number') {
      assert.equal(c.minimum, spec.minimum, `${key} minimum`);
      assert.equal(c.maximum, spec.maximum, `${key} maximum`);
    }
    assert.ok((c.description ?? c.markdownDescription ?? '').length > 20, `${key} needs a description`);
  }
});

test('untrusted workspaces: limited, with every file, URL, provider and thread setting restricted', () => {
  const trust = pkg.capabilities.untrustedWorkspaces;
  assert.equal(trust.supported, 'limited');
  assert.deepEqual([...trust.restrictedConfigurations].sort(), restrictedSettingIds().sort());
  for (const id of ['r1Local.modelPath', 'r1Local.executionProvider', 'r1Local.threads', 'r1Local.hub.endpoint', 'r1Local.hub.repo', 'r1Local.hub.revision']) {
    assert.ok(trust.restrictedConfigurations.includes(id), `${id} must be restricted`);
  }
});

test('the defaults the issue asks for', () => {
  assert.equal(settingsSchema.idleUnloadMinutes.default, 15);
  assert.equal(settingsSchema.executionProvider.default, 'auto');
  assert.deepEqual([...settingsSchema.executionProvider.enum], ['auto', 'cpu', 'cuda', 'dml', 'coreml', 'webgpu']);
});

test('values that fit are used as they are; unset values give the default', () => {
  assert.deepEqual(coerceSetting('chat.temperature', 0.3), { value: 0.3 });
  assert.deepEqual(coerceSetting('executionProvider', 'cpu'), { value: 'cpu' });
  assert.deepEqual(coerceSetting('completions.enabled', false), { value: false });
  assert.deepEqual(coerceSetting('idleUnloadMinutes', undefined), { value: 15 });
});

test('values of the wrong type, out of bounds or outside the enum fall back to the default, with the reason', () => {
  const cases: Array<[Parameters<typeof coerceSetting>[0], unknown, RegExp]> = [
    ['completions.maxTokens', 0, /between 1 and 1024/],
    ['completions.maxTokens', 12.5, /whole number/],
    ['chat.temperature', '0.7', /a number/],
    ['executionProvider', 'tpu', /one of auto, cpu/],
    ['completions.enabled', 'yes', /true or false/],
    ['modelPath', 42, /a string/],
  ];
  for (const [key, raw, reason] of cases) {
    const { value, problem } = coerceSetting(key, raw);
    assert.deepEqual(value, settingsSchema[key].default, key);
    assert.match(problem ?? '', reason, key);
  }
});

test('the commands other features register are contributed', () => {
  const ids = pkg.contributes.commands.map((c: { command: string }) => c.command);
  for (const id of ['r1Local.showMenu', 'r1Local.showLog', 'r1Local.retryEngine', 'r1Local.toggleCompletions', 'r1Local.openChat', 'r1Local.explainSelection', 'r1Local.downloadModel', 'r1Local.selectModelFolder']) {
    assert.ok(ids.includes(id), id);
  }
});
