// Prompt-lookup speculative decoding gives exactly the tokens plain decoding gives: drafts are
// verified against the model's own choice from the same logits (and, when sampling, the same RNG
// state). On the scripted model, an explain-style prompt quotes the answer, so drafts are accepted;
// on the tiny model, repetitive code makes drafts that are often rejected, which exercises rollback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../../engine/engine';
import { proposeDraft, PromptLookup } from '../../engine/generation/promptLookup';
import type { GenerationEvent, GenerationRequest, RequestKind, SamplingOptions } from '../../engine/types';
import { fixtureModel } from '../helpers/fixtureModels';

type Done = Extract<GenerationEvent, { type: 'done' }>;

async function run(engine: Engine, request: GenerationRequest): Promise<{ done: Done; text: string }> {
  let text = '';
  for await (const e of engine.generate(request)) {
    if (e.type === 'done') return { done: e, text };
    text += e.text;
  }
  throw new Error('no result');
}

function request(text: string, kind: RequestKind, promptLookup: boolean, sampling: SamplingOptions, maxNewTokens: number): GenerationRequest {
  return { kind, prompt: { type: 'text', text }, maxNewTokens, sampling, promptLookup, slot: `s-${promptLookup}`, splitReasoning: false };
}

test('proposeDraft continues the latest earlier occurrence of the longest suffix n-gram', () => {
  assert.deepEqual(proposeDraft([1, 2, 3, 9, 1, 2, 3, 7, 8, 1, 2, 3], 3, 2, 4), [7, 8, 1, 2]);
  assert.deepEqual(proposeDraft([5, 6, 1, 2, 4, 1, 2], 3, 2, 8), [4, 1, 2]);
  assert.deepEqual(proposeDraft([1, 2, 3, 4], 3, 2, 8), []);
  assert.deepEqual(proposeDraft([1, 2, 1, 2], 3, 2, 0), []);
  const lookup = new PromptLookup({ missCooldown: 2 });
  lookup.record(4, 0);
  assert.deepEqual(lookup.propose([1, 2, 3, 1, 2], 8), [], 'a miss backs off');
  assert.deepEqual(lookup.propose([1, 2, 3, 1, 2], 8), []);
  assert.deepEqual(lookup.propose([1, 2, 3, 1, 2], 8), [3, 1, 2]);
});

test('explain prompt quoting the answer: drafts are accepted and the output is identical (scripted model, both styles)', async () => {
  for (const style of ['optimum', 'genai'] as const) {
    const model = await fixtureModel('scripted', style);
    const engine = await Engine.load({ modelPath: model.dir, threads: 1 });
    try {
      // The selection holds the script's text; the model then writes the script, which quotes it.
      const prompt = `Explain this:\n${model.script!.text}\n\nExplanation:\n`;
      const plain = await run(engine, request(prompt, 'explain', false, { greedy: true }, 400));
      const fast = await run(engine, request(prompt, 'explain', true, { greedy: true }, 400));
      assert.deepEqual(fast.done.tokenIds, plain.done.tokenIds);
      assert.equal(fast.text, plain.text);
      assert.equal(fast.done.finishReason, plain.done.finishReason);
      assert.ok((fast.done.stats.draftTokensAccepted ?? 0) > plain.done.tokenIds.length / 2, `accepted ${fast.done.stats.draftTokensAccepted} of ${plain.done.tokenIds.length}`);
      assert.equal(plain.done.stats.draftTokensAccepted, 0);
    } finally {
      await engine.dispose();
    }
  }
});

test('repetitive code on the tiny model: identical greedy and seeded-sampling output with drafts rejected and rolled back', async () => {
  for (const [style, quant] of [['optimum', 'fp32'], ['genai', 'fp32'], ['optimum', 'q4f16']] as const) {
    const model = await fixtureModel('tiny', style, quant);
    const engine = await Engine.load({ modelPath: model.dir, threads: 1 });
    try {
      const code = 'x = x + 1\ny = y + 1\nx = x + 1\ny = y + 1\nx = x + 1\n';
      for (const sampling of [{ greedy: true }, { temperature: 0.8, topK: 20, seed: 7 }] as SamplingOptions[]) {
        const plain = await run(engine, request(code, 'completion', false, sampling, 48));
        const fast = await run(engine, request(code, 'completion', true, sampling, 48));
        assert.deepEqual(fast.done.tokenIds, plain.done.tokenIds, `${style} ${quant} ${JSON.stringify(sampling)}`);
      }
    } finally {
      await engine.dispose();
    }
  }
});
