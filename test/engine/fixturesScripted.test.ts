// The scripted model: greedy decoding emits the script exactly, then eos, after a chat prompt (the
// fixture's own R1 chat template) or a raw code prefix, with the prompt fed at once or in chunks,
// and after the KV cache was truncated and reused the way the engine's prefix reuse does it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from '@huggingface/jinja';
import { Tokenizer } from '@huggingface/tokenizers';
import { DEFAULT_SCRIPT, type FixtureModel } from '../../engine/fixtures';
import type { ExportStyle } from '../../engine/types';
import { fixtureModel } from '../helpers/fixtureModels';
import { greedyDecode, openSession, step, truncateCache } from '../helpers/fixtureModelRunner';

function loadTokenizer(model: FixtureModel): { tokenizer: Tokenizer; chatTemplate: string } {
  const read = (name: string) => JSON.parse(readFileSync(join(model.dir, name), 'utf8'));
  const config = read('tokenizer_config.json');
  return { tokenizer: new Tokenizer(read('tokenizer.json'), config), chatTemplate: config.chat_template };
}

function chatPrompt(model: FixtureModel, question: string): number[] {
  const { tokenizer, chatTemplate } = loadTokenizer(model);
  const text = new Template(chatTemplate).render({
    messages: [{ role: 'user', content: question }],
    bos_token: '<｜begin▁of▁sentence｜>',
    add_generation_prompt: true,
  });
  assert.ok(text.endsWith('<｜Assistant｜><think>\n'));
  return tokenizer.encode(text, { add_special_tokens: false }).ids;
}

function rawPrompt(model: FixtureModel, text: string): number[] {
  return loadTokenizer(model).tokenizer.encode(text, { add_special_tokens: false }).ids;
}

const CODE_PREFIX = 'export function fibonacci(n: number): number {\n  if (n < 2) {\n    return n;\n  }\n  return ';

for (const style of ['optimum', 'genai'] as ExportStyle[]) {
  test(`scripted ${style}: a chat prompt yields the default script, then eos`, async () => {
    const model = await fixtureModel('scripted', style);
    const script = model.script!;
    assert.equal(script.text, DEFAULT_SCRIPT);
    const session = await openSession(model);
    try {
      const { ids } = await greedyDecode(session, model, chatPrompt(model, 'Write a function that adds two numbers.'), script.tokenIds.length + 5);
      assert.deepEqual(ids, [...script.tokenIds, model.specialTokens.eos]);
      assert.equal(loadTokenizer(model).tokenizer.decode(ids.slice(0, -1)), DEFAULT_SCRIPT);
    } finally {
      await session.release();
    }
  });

  test(`scripted ${style}: a raw code prefix, fed at once or in chunks, yields the script`, async () => {
    const model = await fixtureModel('scripted', style);
    const expected = [...model.script!.tokenIds, model.specialTokens.eos];
    const session = await openSession(model);
    try {
      const prompt = rawPrompt(model, CODE_PREFIX);
      for (const chunk of [prompt.length, 1, 3]) {
        const { ids } = await greedyDecode(session, model, prompt, expected.length + 5, { chunk });
        assert.deepEqual(ids, expected, `chunk ${chunk}`);
      }
    } finally {
      await session.release();
    }
  });

  test(`scripted ${style}: exact after KV truncation and prefix reuse`, async () => {
    const model = await fixtureModel('scripted', style);
    const script = model.script!.tokenIds;
    const eos = model.specialTokens.eos;
    const session = await openSession(model);
    try {
      const promptA = chatPrompt(model, 'Write a function that adds two numbers.');
      const first = await greedyDecode(session, model, promptA, 12);
      assert.deepEqual(first.ids, script.slice(0, 12));

      // Roll back into the middle of the generated text and resume: the script continues where the history says.
      const kept = promptA.length + 7;
      const history = [...promptA, ...script.slice(0, 8)];
      const resumed = await greedyDecode(session, model, history.slice(kept), script.length, { cache: truncateCache(first.cache, kept) });
      assert.deepEqual(resumed.ids, [...script.slice(8), eos]);

      // A different question sharing only the template's prefix: roll back to the common prefix, prefill the rest.
      const promptB = chatPrompt(model, 'Explain this code, please.');
      let common = 0;
      while (promptA[common] === promptB[common]) common++;
      assert.ok(common > 0 && common < promptB.length);
      const reused = await greedyDecode(session, model, promptB.slice(common), script.length + 5, { cache: truncateCache(first.cache, common) });
      assert.deepEqual(reused.ids, [...script, eos]);
    } finally {
      await session.release();
    }
  });
}

test('scripted: a custom script (code only, for completions) is emitted instead', async () => {
  const text = 'fibonacci(n - 1) + fibonacci(n - 2);\n}\n';
  const model = await fixtureModel('scripted', 'optimum', 'fp32', { script: text });
  assert.equal(model.script!.text, text);
  const session = await openSession(model);
  try {
    const { ids } = await greedyDecode(session, model, rawPrompt(model, CODE_PREFIX), 64);
    assert.deepEqual(ids, [...model.script!.tokenIds, model.specialTokens.eos]);
    assert.equal(loadTokenizer(model).tokenizer.decode(ids.slice(0, -1)), text);
  } finally {
    await session.release();
  }
});

test('scripted: the chosen token leads the noise by a wide margin at every position', async () => {
  const model = await fixtureModel('scripted', 'genai');
  const session = await openSession(model);
  try {
    const { logits } = await step(session, model, rawPrompt(model, CODE_PREFIX));
    for (const row of logits) {
      const sorted = [...row].sort((a, b) => b - a);
      assert.ok(sorted[0] - sorted[1] > 20, `margin ${sorted[0] - sorted[1]}`);
    }
  } finally {
    await session.release();
  }
});
