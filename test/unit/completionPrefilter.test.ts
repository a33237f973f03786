import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_DOCUMENT_LENGTH, prefilter, type PrefilterInput } from '../../extension/core/completion/prefilter';

const base: PrefilterInput = {
  languageId: 'typescript',
  disabledLanguages: [],
  cursorCount: 1,
  documentLength: 1000,
  lineSuffix: '',
  sample: 'const x = 1;\n',
};

test('an ordinary cursor at the end of a line passes', () => {
  assert.equal(prefilter(base), undefined);
  assert.equal(prefilter({ ...base, lineSuffix: ')' }), undefined, 'closing brackets after the cursor are fine');
  assert.equal(prefilter({ ...base, lineSuffix: 'ab' }), undefined, 'a short word tail is fine');
});

test('disabled languages, several cursors, huge and binary files are skipped', () => {
  assert.equal(prefilter({ ...base, disabledLanguages: ['markdown', 'typescript'] }), 'disabled-language');
  assert.equal(prefilter({ ...base, cursorCount: 2 }), 'multi-cursor');
  assert.equal(prefilter({ ...base, documentLength: MAX_DOCUMENT_LENGTH + 1 }), 'too-large');
  assert.equal(prefilter({ ...base, documentLength: MAX_DOCUMENT_LENGTH }), undefined);
  assert.equal(prefilter({ ...base, sample: 'PK\u0003\u0004\0\0binary' }), 'binary');
});

test('inside a word with a long rest of line is skipped', () => {
  assert.equal(prefilter({ ...base, lineSuffix: 'result = compute(a, b);' }), 'mid-word');
  assert.equal(prefilter({ ...base, lineSuffix: 'élan + other' }), 'mid-word', 'non-ASCII letters are word characters');
  assert.equal(prefilter({ ...base, lineSuffix: ' + compute(a, b);' }), undefined, 'after a word, before a space');
});
