// Token counts from the real engine host, with the model folder's own tokenizer and chat template,
// and without loading the model: a string counts as encoded with no special tokens, a message as
// what it adds to a rendered prompt. Also the unit rules of the counter and the request decoder.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fixtureModel } from '../helpers/fixtureModels';
import { clientFor } from './hostTestKit';
import { TextTokenizer } from '../../engine/text/tokenizer';
import { ChatTemplate } from '../../engine/text/chatTemplate';
import { TokenCounter } from '../../engine/host/tokenCounter';
import { decodeHostRequest } from '../../engine/host/decodeRequest';
import { EngineError } from '../../extension/engine/engineError';
import { readModelFolderFacts } from '../../extension/core/lm/lmModels';
import type { LocalEngine } from '../../extension/engine/localEngine';

let scripted: string;
const clients: LocalEngine[] = [];
before(async () => {
  scripted = (await fixtureModel('scripted', 'optimum')).dir;
});
after(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
});

test('countTokens in the host equals the tokenizer, and loads no model', { timeout: 60_000 }, async () => {
  const client = clientFor(scripted);
  clients.push(client);
  const tokenizer = TextTokenizer.fromFolder(scripted);
  const text = 'function add(a, b) {\n  return a + b; // ünïcödé 🚀\n}';
  assert.equal(await client.countTokens({ type: 'text', text }), tokenizer.encode(text).length);
  assert.equal(await client.countTokens({ type: 'text', text: '' }), 0);
  const template = ChatTemplate.forTokenizer(tokenizer);
  const anchor = { role: 'user' as const, content: '.' };
  const message = { role: 'user' as const, content: text };
  const expected =
    tokenizer.encode(template.render([anchor, message], { addGenerationPrompt: false })).length -
    tokenizer.encode(template.render([anchor], { addGenerationPrompt: false })).length;
  const counted = await client.countTokens({ type: 'message', message });
  assert.equal(counted, expected);
  assert.ok(counted > tokenizer.encode(text).length, `the role marker counts too (${counted})`);
  assert.equal(client.modelInfo, undefined, 'the model did not load');
  assert.equal((await client.hostStatus())?.modelState, 'unloaded');
});

test('a folder without a tokenizer answers load_failed naming it; a refused model path refuses counting', { timeout: 60_000 }, async () => {
  const client = clientFor('/nonexistent-model-folder');
  clients.push(client);
  await assert.rejects(client.countTokens({ type: 'text', text: 'x' }), (e: unknown) => {
    return e instanceof EngineError && e.code === 'load_failed' && /nonexistent-model-folder/.test(e.message);
  });
  const refused = clientFor(scripted, {
    resolveLoadOptions: () => {
      throw new EngineError('untrusted', 'trust this workspace first');
    },
  });
  clients.push(refused);
  await assert.rejects(refused.countTokens({ type: 'text', text: 'x' }), /trust this workspace/);
  assert.equal(refused.hostPid, undefined, 'nothing started');
});

test('the counter reuses the tokenizer of a folder and counts the same each time', () => {
  const counter = new TokenCounter();
  const first = counter.count(scripted, { type: 'text', text: 'hello world' });
  assert.ok(first > 0);
  assert.equal(counter.count(scripted, { type: 'text', text: 'hello world' }), first);
});

test('countTokens requests are decoded strictly', () => {
  const ok = decodeHostRequest({ type: 'countTokens', id: 3, modelPath: '/m', input: { type: 'message', message: { role: 'assistant', content: 'a' } } });
  assert.ok(ok.ok);
  const bad = decodeHostRequest({ type: 'countTokens', id: 4, modelPath: '/m', input: { type: 'message', message: { role: 'tool', content: 'a' } } });
  assert.deepEqual(bad, { ok: false, id: 4, message: "input.message: expected { role: 'user' | 'assistant', content: string }" });
  const noPath = decodeHostRequest({ type: 'countTokens', id: 5, input: { type: 'text', text: 'a' } });
  assert.deepEqual(noPath, { ok: false, id: 5, message: 'modelPath: expected a non-empty string' });
});

test('model entries read the context length and name from a real model folder', async () => {
  const config = JSON.parse(readFileSync(join(scripted, 'config.json'), 'utf8')) as { max_position_embeddings: number; _name_or_path?: string };
  const facts = await readModelFolderFacts(scripted);
  assert.equal(facts.contextLength, config.max_position_embeddings);
  assert.equal(facts.name, config._name_or_path ?? basename(scripted));
});
