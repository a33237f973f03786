import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_COMPLETION_SETTINGS } from '../../extension/core/completion/completionSettings';
import { coerceSetting } from '../../extension/core/settingsSchema';

test('completion defaults are the ones the issue asks for', () => {
  assert.deepEqual(
    { ...DEFAULT_COMPLETION_SETTINGS, disabledLanguages: [...DEFAULT_COMPLETION_SETTINGS.disabledLanguages] },
    { enabled: true, debounceMs: 250, maxTokens: 64, timeBudgetMs: 1500, prefixTokens: 1024, suffixTokens: 256, disabledLanguages: [] },
  );
});

test('the disabled-language list accepts strings only', () => {
  assert.deepEqual(coerceSetting('completions.disabledLanguages', ['markdown', 'plaintext']), { value: ['markdown', 'plaintext'] });
  const bad = coerceSetting('completions.disabledLanguages', ['markdown', 3]);
  assert.deepEqual(bad.value, []);
  assert.match(bad.problem ?? '', /list of strings/);
  assert.match(coerceSetting('completions.disabledLanguages', 'markdown').problem ?? '', /list of strings/);
});
