/// <reference types="mocha" />
// R1 Local as a vscode.lm vendor, called the way another extension would: selectChatModels,
// sendRequest, countTokens, cancellation, concurrency, no model and a broken model. Each stream's
// parts are printed as "lm transcript:" lines, which the code-server launcher copies to its log.
import * as assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { TextTokenizer } from '../../engine/text/tokenizer';
import { findThinkingPart } from '../../extension/core/lm/thinkingPart';
import { useTestModel, waitFor } from './extensionUnderTest';

const VENDOR = 'r1-local';
type Part = { kind: 'thinking' | 'text' | 'other'; text: string };

async function models(): Promise<vscode.LanguageModelChat[]> {
  return vscode.lm.selectChatModels({ vendor: VENDOR });
}

async function modelWithId(id: string): Promise<vscode.LanguageModelChat> {
  return waitFor(`the ${id} model`, async () => (await models()).find((m) => m.id === id));
}

const ThinkingPart = findThinkingPart(vscode);

function classify(part: unknown): Part {
  if (part instanceof vscode.LanguageModelTextPart) return { kind: 'text', text: part.value };
  const value = (part as { value?: unknown }).value;
  const text = Array.isArray(value) ? value.join('') : String(value);
  if (ThinkingPart && part instanceof ThinkingPart) return { kind: 'thinking', text };
  const name = (part as { constructor?: { name?: string } }).constructor?.name;
  return { kind: 'other', text: `${name} ${JSON.stringify(part)}` };
}

/** Consecutive parts of one kind merged, for a readable transcript. */
function transcript(label: string, parts: Part[]): void {
  const runs: Part[] = [];
  for (const p of parts) {
    const last = runs.at(-1);
    if (last?.kind === p.kind) last.text += p.text;
    else runs.push({ ...p });
  }
  console.log(`lm transcript: ${label}: ${parts.length} parts`);
  for (const run of runs) console.log(`lm transcript:   ${run.kind}: ${JSON.stringify(run.text.length > 160 ? `${run.text.slice(0, 160)}…` : run.text)}`);
}

async function ask(model: vscode.LanguageModelChat, question: string, token?: vscode.CancellationToken, onPart?: (p: Part) => void): Promise<Part[]> {
  const response = await model.sendRequest([vscode.LanguageModelChatMessage.User(question)], {}, token);
  const parts: Part[] = [];
  for await (const part of response.stream) {
    const p = classify(part);
    parts.push(p);
    onPart?.(p);
  }
  return parts;
}

async function setSetting(key: string, value: string): Promise<void> {
  await vscode.workspace.getConfiguration('r1Local').update(key, value, vscode.ConfigurationTarget.Global);
}

/** A folder with the test model's config and tokenizer but a graph that is not ONNX. */
function brokenModel(from: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'r1-broken-model-'));
  for (const file of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'generation_config.json']) {
    try {
      copyFileSync(join(from, file), join(dir, file));
    } catch {
      // Optional files.
    }
  }
  mkdirSync(join(dir, 'onnx'));
  writeFileSync(join(dir, 'onnx', 'model.onnx'), 'this is not an ONNX graph');
  return dir;
}

suite('vscode.lm provider', () => {
  let modelPath: string;
  suiteSetup(async () => {
    assert.equal(vscode.workspace.isTrusted, true, 'this suite needs a trusted workspace');
    modelPath = await useTestModel();
    await setSetting('completions.modelPath', '');
  });
  suiteTeardown(async () => {
    await setSetting('completions.modelPath', '');
    await useTestModel();
  });

  test('the chat model is listed with its limits; reasoning arrives as thinking parts, then the answer as text', async () => {
    const model = await modelWithId('r1-local-chat');
    assert.equal(model.vendor, VENDOR);
    assert.equal(model.family, 'deepseek-r1-distill');
    assert.ok(model.maxInputTokens > 0);
    const parts = await ask(model, 'Write add()');
    transcript('chat model, "Write add()"', parts);
    const kinds = parts.map((p) => p.kind);
    assert.ok(ThinkingPart, 'this VS Code has LanguageModelThinkingPart');
    assert.ok(kinds.includes('thinking'), `thinking parts expected: ${kinds.join(',')}`);
    assert.ok(kinds.lastIndexOf('thinking') < kinds.indexOf('text'), 'all thinking before the first text part');
    assert.ok(!kinds.includes('other'));
    const answer = parts.filter((p) => p.kind === 'text').map((p) => p.text).join('');
    assert.match(answer, /return a \+ b;/);
    assert.doesNotMatch(answer, /<\/?think>/);
  });

  test('countTokens equals the model tokenizer\'s count, for a string and for a message', async () => {
    const model = await modelWithId('r1-local-chat');
    const text = 'function add(a: number, b: number) { return a + b; }';
    const expected = TextTokenizer.fromFolder(modelPath).encode(text).length;
    assert.equal(await model.countTokens(text), expected);
    const message = await model.countTokens(vscode.LanguageModelChatMessage.User(text));
    assert.ok(message > expected, `a message adds its role marker (${message} > ${expected})`);
    console.log(`lm transcript: countTokens: string ${expected} tokens (tokenizer ${expected}), as a user message ${message}`);
  });

  test('two concurrent requests both complete', async () => {
    const model = await modelWithId('r1-local-chat');
    const [a, b] = await Promise.all([ask(model, 'first'), ask(model, 'second')]);
    for (const parts of [a, b]) assert.match(parts.filter((p) => p.kind === 'text').map((p) => p.text).join(''), /return a \+ b;/);
    transcript('concurrent request 1', a);
    transcript('concurrent request 2', b);
  });

  test('cancelling mid-answer ends the stream within a second', async () => {
    const long = process.env.R1_LOCAL_TEST_LONG_MODEL;
    assert.ok(long, 'R1_LOCAL_TEST_LONG_MODEL must name a scripted model with a long answer');
    await setSetting('completions.modelPath', long);
    const model = await modelWithId('r1-local-completion');
    const source = new vscode.CancellationTokenSource();
    let cancelledAt = 0;
    let textParts = 0;
    const parts = await ask(model, 'Go on', source.token, (p) => {
      if (p.kind === 'text' && ++textParts === 3) {
        cancelledAt = Date.now();
        source.cancel();
      }
    });
    const endedAfter = Date.now() - cancelledAt;
    transcript(`long model, cancelled after 3 text parts (stream ended ${endedAfter} ms later)`, parts);
    assert.ok(cancelledAt > 0, 'the answer started');
    assert.ok(endedAfter < 1000, `ended ${endedAfter} ms after cancelling`);
    const answer = parts.filter((p) => p.kind === 'text').map((p) => p.text).join('');
    const lines = answer.split('\n').filter((line) => line.startsWith('line ')).length;
    console.log(`lm transcript:   answer lines received: ${lines} of 300, ending ${JSON.stringify(answer.slice(-40))}`);
    assert.doesNotMatch(answer, /line 299:/, 'the answer was cut short');
  });

  test('a model that fails to load gives the caller an error', async () => {
    await setSetting('completions.modelPath', brokenModel(modelPath));
    const model = await waitFor('the broken model entry', async () => {
      const found = (await models()).find((m) => m.id === 'r1-local-completion');
      return found && /r1-broken-model-/.test(found.name) ? found : undefined;
    });
    let error: unknown;
    try {
      await ask(model, 'hello');
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof Error, 'an error, not text');
    console.log(`lm transcript: broken model: error ${JSON.stringify(error.message)}`);
    assert.match(error.message, /R1 Local could not answer|model/i);
  });

  test('with no model configured, selectChatModels returns none', async () => {
    await setSetting('completions.modelPath', '');
    await setSetting('modelPath', '');
    try {
      await waitFor('the list to empty', async () => ((await models()).length === 0 ? true : undefined), 15_000);
    } finally {
      await useTestModel();
    }
    await modelWithId('r1-local-chat');
  });
});
