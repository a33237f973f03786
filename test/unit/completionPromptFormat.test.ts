import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelInfo } from '../../engine/types';
import { localCapabilities } from '../../extension/engine/engineState';
import { buildCompletionPrompt, completionFormatFor } from '../../extension/core/completion/promptFormat';
import { buildPromptWindow } from '../../extension/core/completion/promptWindow';
import { stringSource } from '../../extension/core/completion/textSource';

const fimTokens = { prefix: '<|fim_prefix|>', suffix: '<|fim_suffix|>', middle: '<|fim_middle|>' };
const text = 'def area(r):\n    return \n\nprint(area(2))\n';
const offset = text.indexOf('return ') + 'return '.length;
/** The format a local model gets, from what its folder says about it. */
const formatFor = (info: Partial<ModelInfo>) => completionFormatFor(localCapabilities({ modelPath: '/m', ...info } as ModelInfo));
const window = buildPromptWindow(stringSource(text), offset, { prefixTokens: 100, suffixTokens: 100 });

test('R1 distills continue the prefix even though their tokenizer has FIM tokens', () => {
  const format = formatFor({ fimTokens, modelName: 'deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B' });
  assert.deepEqual(format, { kind: 'continuation' });
  const built = buildCompletionPrompt(format, window);
  assert.deepEqual(built.prompt, { type: 'text', text: 'def area(r):\n    return ' });
  assert.equal(built.multiline, true);
  assert.deepEqual(built.stop, []);
});

test('coder models with FIM tokens get prefix, suffix and middle', () => {
  const format = formatFor({ fimTokens, modelName: 'Qwen/Qwen2.5-Coder-1.5B-Instruct' });
  assert.equal(format.kind, 'fim');
  const built = buildCompletionPrompt(format, window);
  assert.deepEqual(built.prompt, {
    type: 'text',
    text: '<|fim_prefix|>def area(r):\n    return <|fim_suffix|>\n\nprint(area(2))\n<|fim_middle|>',
  });
  assert.ok(built.stop.includes('<|fim_prefix|>'), 'a new fill ends this one');
});

test('a coder name without FIM tokens, or capabilities not known yet, mean continuation', () => {
  assert.equal(formatFor({ modelName: 'Qwen/Qwen2.5-Coder-1.5B' }).kind, 'continuation');
  assert.equal(completionFormatFor(undefined).kind, 'continuation');
});

test('mid-line the suggestion is single-line and stops at the line break', () => {
  const src = 'foo(a, )\n';
  const w = buildPromptWindow(stringSource(src), src.indexOf(')'), { prefixTokens: 100, suffixTokens: 100 });
  const built = buildCompletionPrompt({ kind: 'continuation' }, w);
  assert.equal(built.multiline, false);
  assert.deepEqual(built.stop, ['\n']);
});
