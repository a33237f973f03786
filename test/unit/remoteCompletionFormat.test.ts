// Completions over a backend that takes both sides of the cursor: an `infill` prompt, with the same
// stop rules as a continuation; without infill (fim off) the prefix alone, as locally.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCompletionPrompt, completionFormatFor } from '../../extension/core/completion/promptFormat';
import { buildPromptWindow } from '../../extension/core/completion/promptWindow';
import { stringSource } from '../../extension/core/completion/textSource';
import { remoteBackend } from './remoteFakes';

const text = 'def area(r):\n    return \n\nprint(area(2))\n';
const window = buildPromptWindow(stringSource(text), text.indexOf('return ') + 'return '.length, { prefixTokens: 100, suffixTokens: 100 });

test('a remote backend with fim on gets both sides as an infill prompt', async () => {
  const { backend } = remoteBackend({}, { fim: 'auto' });
  const format = completionFormatFor(await backend.prepare());
  assert.deepEqual(format, { kind: 'infill' });
  const built = buildCompletionPrompt(format, window);
  assert.deepEqual(built.prompt, { type: 'infill', prefix: 'def area(r):\n    return ', suffix: '\n\nprint(area(2))\n' });
  assert.equal(built.multiline, true);
  assert.deepEqual(built.stop, []);
});

test('infill wins over FIM markers, and mid-line it stops at the line break', () => {
  const src = 'foo(a, )\n';
  const w = buildPromptWindow(stringSource(src), src.indexOf(')'), { prefixTokens: 100, suffixTokens: 100 });
  const format = completionFormatFor({ infill: true, fim: { prefix: '<p>', suffix: '<s>', middle: '<m>' } });
  const built = buildCompletionPrompt(format, w);
  assert.deepEqual(built.prompt, { type: 'infill', prefix: 'foo(a, ', suffix: ')\n' });
  assert.deepEqual(built.stop, ['\n']);
});

test('fim off: a continuation of the prefix; the text after the cursor is not sent', async () => {
  const { backend } = remoteBackend({}, { fim: 'off' });
  const built = buildCompletionPrompt(completionFormatFor(await backend.prepare()), window);
  assert.deepEqual(built.prompt, { type: 'text', text: 'def area(r):\n    return ' });
});
