import { test } from 'node:test';
import assert from 'node:assert/strict';
import { completionSettingsFrom, DEFAULT_COMPLETION_SETTINGS, type ReadSetting } from '../../extension/core/completion/completionSettings';
import { coerceSetting, settingKeys, settingsSchema } from '../../extension/core/settingsSchema';

test('every pipeline setting is read from its own key, and every completions.* setting but the model path reaches the pipeline', () => {
  const asked: string[] = [];
  // A distinct value per key: a field read from the wrong key shows up as the wrong value.
  const read = ((key: string) => {
    asked.push(key);
    return `value of ${key}`;
  }) as ReadSetting;
  const settings = completionSettingsFrom(read);
  for (const [field, value] of Object.entries(settings)) assert.equal(value, `value of completions.${field}`, field);
  const expected = settingKeys.filter((k) => k.startsWith('completions.') && k !== 'completions.modelPath');
  assert.deepEqual(asked.sort(), expected.sort(), 'a completions.* setting the pipeline never reads, or a field without a setting');
});

test('the defaults are the schema defaults', () => {
  for (const [field, value] of Object.entries(DEFAULT_COMPLETION_SETTINGS)) {
    assert.deepEqual(value, settingsSchema[`completions.${field}` as keyof typeof settingsSchema].default, field);
  }
});

test('the disabled-language list accepts strings only', () => {
  assert.deepEqual(coerceSetting('completions.disabledLanguages', ['markdown', 'plaintext']), { value: ['markdown', 'plaintext'] });
  const bad = coerceSetting('completions.disabledLanguages', ['markdown', 3]);
  assert.deepEqual(bad.value, []);
  assert.match(bad.problem ?? '', /list of strings/);
  assert.match(coerceSetting('completions.disabledLanguages', 'markdown').problem ?? '', /list of strings/);
});
