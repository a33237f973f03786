// The editor-free part of the vscode.lm provider: message conversion, modelOptions mapping, model
// entries and capability flags, event → part ordering, and feature detection of the thinking part.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toEngineMessages } from '../../extension/core/lm/lmMessages';
import { buildLmRequest, LmOptionError, readModelOptions } from '../../extension/core/lm/lmRequest';
import { configuredModels, modelEntry, modelFamily, readModelFolderFacts } from '../../extension/core/lm/lmModels';
import { responseParts } from '../../extension/core/lm/lmParts';
import { findThinkingPart } from '../../extension/core/lm/thinkingPart';
import { DEFAULT_GENERATION } from '../../extension/core/chat/promptBuilder';
import { reasoningTokens } from '../../extension/core/chat/reasoningBudget';
import type { GenerationEvent } from '../../engine/types';

test('text parts are joined per message; other parts and empty messages are reported, not rendered', () => {
  const { messages, ignored } = toEngineMessages([
    { role: 'user', parts: [{ text: 'Explain ' }, { ignored: 'LanguageModelDataPart' }, { text: 'this' }] },
    { role: 'assistant', parts: [{ ignored: 'LanguageModelToolCallPart' }] },
    { role: 'assistant', parts: [{ text: 'It adds.' }] },
    { role: 'user', parts: [{ text: 'Why?' }] },
  ]);
  assert.deepEqual(messages, [
    { role: 'user', content: 'Explain this' },
    { role: 'assistant', content: 'It adds.' },
    { role: 'user', content: 'Why?' },
  ]);
  assert.deepEqual(ignored, [
    'message 0 (user): LanguageModelDataPart part ignored',
    'message 1 (assistant): LanguageModelToolCallPart part ignored',
    'message 1 (assistant): no text, left out',
  ]);
});

test('a system message goes in front of the next user message, never to the template as a system prompt', () => {
  const { messages } = toEngineMessages([
    { role: 'system', parts: [{ text: 'Answer in French.' }] },
    { role: 'user', parts: [{ text: 'Hi' }] },
  ]);
  assert.deepEqual(messages, [{ role: 'user', content: 'Answer in French.\n\nHi' }]);
});

test('modelOptions: known keys are read, unknown keys ignored, bad values refused by name', () => {
  assert.deepEqual(readModelOptions(undefined), {});
  assert.deepEqual(readModelOptions({ temperature: 0.2, maxTokens: 50, reasoningBudget: 'short', other: true }), {
    temperature: 0.2,
    maxTokens: 50,
    reasoningBudget: 'short',
  });
  assert.throws(() => readModelOptions({ temperature: 'hot' }), (e: Error) => e instanceof LmOptionError && /modelOptions\.temperature/.test(e.message));
  assert.throws(() => readModelOptions({ maxTokens: 0 }), /modelOptions\.maxTokens: expected a positive integer/);
  assert.throws(() => readModelOptions({ reasoningBudget: 'huge' }), /off, short, medium, long/);
});

test('the request uses the chat view\'s budget levels and settings as defaults, in its own KV slot', () => {
  const messages = [{ role: 'user' as const, content: 'q' }];
  const settings = { temperature: 0.5, topP: 0.95, mediumReasoningTokens: 1000 };
  const plain = buildLmRequest(messages, {}, settings, 4096);
  assert.equal(plain.maxReasoningTokens, reasoningTokens('medium', 1000));
  assert.equal(plain.maxNewTokens, 1000 + 4096, 'no maxTokens: the answer may run to the context end');
  assert.deepEqual(plain.sampling, { temperature: 0.5, topP: 0.95 });
  assert.equal(plain.slot, 'lm');
  assert.equal(plain.splitReasoning, true);
  assert.deepEqual(plain.prompt, { type: 'chat', messages });
  const chosen = buildLmRequest(messages, { temperature: 0, maxTokens: 10, reasoningBudget: 'off' }, DEFAULT_GENERATION, 4096);
  assert.equal(chosen.maxReasoningTokens, 0);
  assert.equal(chosen.maxNewTokens, 10);
  assert.equal(chosen.sampling?.temperature, 0);
  assert.equal(buildLmRequest(messages, { reasoningBudget: 'long' }, settings, 4096).maxReasoningTokens, 4000);
});

test('entries: none without a model, a second one only for another completion folder; no tools, no images', () => {
  assert.deepEqual(configuredModels('', ''), []);
  assert.deepEqual(configuredModels('/m', '/m'), [{ role: 'chat', modelPath: '/m' }]);
  assert.deepEqual(configuredModels('/m', '/c'), [
    { role: 'chat', modelPath: '/m' },
    { role: 'completion', modelPath: '/c' },
  ]);
  assert.deepEqual(configuredModels('', '/c'), [{ role: 'completion', modelPath: '/c' }]);
  const entry = modelEntry('chat', '/m', { name: 'deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B', contextLength: 131072 });
  assert.deepEqual(entry, {
    id: 'r1-local-chat',
    name: 'R1 Local: DeepSeek-R1-Distill-Qwen-1.5B',
    family: 'deepseek-r1-distill',
    version: 'DeepSeek-R1-Distill-Qwen-1.5B',
    maxInputTokens: 131072,
    maxOutputTokens: 131072,
    role: 'chat',
    modelPath: '/m',
    capabilities: { toolCalling: false, imageInput: false },
  });
  assert.equal(modelEntry('completion', '/c', { name: 'Qwen/Qwen2.5-Coder-0.5B', contextLength: 32768 }).id, 'r1-local-completion');
  assert.equal(modelFamily('Qwen2.5-Coder-1.5B-Instruct'), 'qwen2.5-coder');
  assert.equal(modelFamily('r1-scripted'), 'deepseek-r1-distill');
});

test('model facts come from config.json without loading the model; an unreadable folder still gets an entry', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'r1-lm-facts-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ _name_or_path: 'org/Tiny-Coder', max_position_embeddings: 2048 }));
  const facts = await readModelFolderFacts(dir);
  // A config.json without the model's dimensions does not describe a model: the folder name and a default context stand in.
  assert.equal(facts.contextLength, 4096);
  assert.match(facts.name, /^r1-lm-facts-/);
});

test('reasoning becomes thinking parts only when available; the answer is always text, in order', () => {
  const delta = (channel: 'reasoning' | 'answer', text: string): GenerationEvent => ({ type: 'delta', channel, text, tokenIds: [1] });
  const events = [delta('reasoning', 'hmm'), delta('answer', 'yes'), delta('answer', '')];
  assert.deepEqual(events.flatMap((e) => responseParts(e, true)), [
    { kind: 'thinking', text: 'hmm' },
    { kind: 'text', text: 'yes' },
  ]);
  assert.deepEqual(events.flatMap((e) => responseParts(e, false)), [{ kind: 'text', text: 'yes' }]);
});

test('the thinking part is found on the namespace when present, and only as a constructor', () => {
  class LanguageModelThinkingPart {
    constructor(readonly value: string | string[]) {}
  }
  assert.equal(findThinkingPart({ LanguageModelThinkingPart }), LanguageModelThinkingPart);
  assert.equal(findThinkingPart({}), undefined);
  assert.equal(findThinkingPart({ LanguageModelThinkingPart: 'not a class' }), undefined);
});
