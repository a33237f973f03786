// The host runner's countTokens: answered at once without a model, a counter failure becomes a
// load_failed error naming the folder, and a runner without a counter refuses the request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HostRunner } from '../../engine/host/hostRunner';
import type { HostMessage } from '../../engine/host/protocol';

function runner(countTokens?: ConstructorParameters<typeof HostRunner>[0]['countTokens']): { runner: HostRunner; sent: HostMessage[] } {
  const sent: HostMessage[] = [];
  const loadEngine = () => Promise.reject(new Error('no model in this test'));
  return { runner: new HostRunner({ loadEngine, send: (m) => sent.push(m), countTokens }), sent };
}

test('a count is answered at once, with no model loaded', () => {
  const { runner: r, sent } = runner((path, input) => (input.type === 'text' ? input.text.length : 100) + path.length);
  r.handle({ type: 'countTokens', id: 1, modelPath: '/m', input: { type: 'text', text: 'abc' } });
  r.handle({ type: 'countTokens', id: 2, modelPath: '/m', input: { type: 'message', message: { role: 'user', content: 'x' } } });
  assert.deepEqual(sent, [
    { type: 'result', id: 1, result: 5 },
    { type: 'result', id: 2, result: 102 },
  ]);
  assert.equal(r.status().modelState, 'unloaded');
});

test('a tokenizer that cannot load answers load_failed with the folder and its code', () => {
  const { runner: r, sent } = runner(() => {
    throw Object.assign(new Error('tokenizer.json not found'), { code: 'tokenizer-missing' });
  });
  r.handle({ type: 'countTokens', id: 7, modelPath: '/gone', input: { type: 'text', text: 'a' } });
  assert.deepEqual(sent, [
    { type: 'error', id: 7, error: { code: 'load_failed', message: 'could not count tokens with the tokenizer of /gone: tokenizer.json not found', detail: 'tokenizer-missing' } },
  ]);
});

test('a runner without a counter refuses the request', () => {
  const { runner: r, sent } = runner();
  r.handle({ type: 'countTokens', id: 3, modelPath: '/m', input: { type: 'text', text: 'a' } });
  assert.equal(sent[0]?.type, 'error');
  assert.equal(sent[0]?.type === 'error' && sent[0].error.code, 'bad_request');
});
