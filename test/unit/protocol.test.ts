// The engine host protocol: requests are validated field by field on arrival, host messages are
// checked by the client, and every message survives the IPC channel's JSON encoding unchanged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeHostRequest } from '../../engine/host/decodeRequest';
import type { HostMessage, HostRequest } from '../../engine/host/protocol';
import type { GenerationRequest } from '../../engine/types';
import { decodeHostMessage } from '../../extension/engine/hostMessages';

const chatRequest: GenerationRequest = {
  kind: 'chat',
  prompt: { type: 'chat', messages: [{ role: 'user', content: 'Why is the sky blue? 🌌\r\n' }] },
  maxNewTokens: 64,
  sampling: { temperature: 0.6, topP: 0.95, seed: 3 },
  stop: ['\n\n'],
  maxReasoningTokens: 32,
};
const generate: HostRequest = { type: 'generate', id: 7, request: chatRequest };

/** What the child process channel does to a message (serialization: 'json'). */
function overTheWire<T>(message: T): unknown {
  return JSON.parse(JSON.stringify(message));
}

test('every request type round-trips through the wire encoding and decodes to itself', () => {
  const requests: HostRequest[] = [
    generate,
    { type: 'generate', id: 8, request: { kind: 'completion', prompt: { type: 'ids', ids: [1, 2, 3] }, maxNewTokens: 16, suppressThinking: true, slot: 'completion' } },
    { type: 'cancel', id: 9, target: 7 },
    { type: 'load', id: 10, options: { modelPath: '/models/r1', executionProvider: 'cpu', threads: 2 } },
    { type: 'unload', id: 11 },
    { type: 'status', id: 12 },
    { type: 'shutdown', id: 13 },
  ];
  for (const request of requests) assert.deepEqual(decodeHostRequest(overTheWire(request)), { ok: true, value: request });
});

test('malformed requests are refused with the id and the offending field', () => {
  const cases: Array<[unknown, string]> = [
    [null, 'message'],
    [{ type: 'status' }, 'id'],
    [{ type: 'status', id: -1 }, 'id'],
    [{ type: 'explode', id: 1 }, 'type'],
    [{ type: 'generate', id: 1, request: { ...chatRequest, kind: 'poem' } }, 'request.kind'],
    [{ type: 'generate', id: 1, request: { kind: 'chat', prompt: { type: 'chat', messages: [] }, maxNewTokens: 1 } }, 'request.prompt.messages'],
    [{ type: 'generate', id: 1, request: { kind: 'chat', prompt: { type: 'chat', messages: [{ role: 'system', content: 'x' }] }, maxNewTokens: 1 } }, 'request.prompt.messages[0]'],
    [{ type: 'generate', id: 1, request: { kind: 'chat', prompt: { type: 'ids', ids: [1, -2] }, maxNewTokens: 1 } }, 'request.prompt.ids'],
    [{ type: 'generate', id: 1, request: { kind: 'chat', prompt: { type: 'text', text: 'x' }, maxNewTokens: 0 } }, 'request.maxNewTokens'],
    [{ type: 'generate', id: 1, request: { kind: 'chat', prompt: { type: 'text', text: 'x' }, maxNewTokens: 1, sampling: { topP: 2 } } }, 'request.sampling.topP'],
    [{ type: 'generate', id: 1, request: { kind: 'chat', prompt: { type: 'text', text: 'x' }, maxNewTokens: 1, stop: [''] } }, 'request.stop'],
    [{ type: 'cancel', id: 1 }, 'target'],
    [{ type: 'load', id: 1, options: { modelPath: '' } }, 'options.modelPath'],
    [{ type: 'load', id: 1, options: { modelPath: '/m', executionProvider: 'tpu' } }, 'options.executionProvider'],
    [{ type: 'load', id: 1, options: { modelPath: '/m', threads: 0 } }, 'options.threads'],
  ];
  for (const [raw, field] of cases) {
    const decoded = decodeHostRequest(raw);
    assert.equal(decoded.ok, false, `accepted ${JSON.stringify(raw)}`);
    if (!decoded.ok) {
      assert.ok(decoded.message.startsWith(`${field}:`), `${JSON.stringify(raw)} → "${decoded.message}", expected field ${field}`);
      if (field !== 'message' && field !== 'id') assert.equal(decoded.id, 1);
    }
  }
});

test('host messages round-trip through the wire encoding and pass the client check', () => {
  const stats = { promptTokens: 3, prefilledTokens: 3, reusedTokens: 0, generatedTokens: 2, reasoningTokens: 1, ttftMs: 5, prefillTokPerS: 600, decodeTokPerS: 20, totalMs: 100, executionProvider: 'cpu' };
  const messages: HostMessage[] = [
    { type: 'hello', version: 1, pid: 42 },
    { type: 'event', id: 7, event: { type: 'delta', channel: 'reasoning', text: 'hmm 🤔', tokenIds: [5, 6] } },
    { type: 'event', id: 7, event: { type: 'done', finishReason: 'eos', reasoningUnterminated: false, reasoningBudgetForced: false, tokenIds: [5, 6], stats } },
    { type: 'result', id: 12, result: { pid: 42, modelState: 'ready', rssBytes: 1024, queued: 0, active: 1 } },
    { type: 'result', id: 11, result: null },
    { type: 'error', id: 7, error: { code: 'busy', message: 'queue full' } },
    { type: 'error', id: 3, error: { code: 'load_failed', message: 'onnx/model.onnx does not match its sha256', detail: 'corrupt-file' } },
    { type: 'alive', busy: true },
  ];
  for (const message of messages) assert.deepEqual(decodeHostMessage(overTheWire(message)), { ok: true, message });
});

test('the client refuses host messages of another protocol version or shape', () => {
  const bad: unknown[] = [
    'hello',
    { type: 'hello', version: 2, pid: 1 },
    { type: 'event', id: 1, event: { type: 'delta', channel: 'other', text: 'x', tokenIds: [] } },
    { type: 'event', id: 1, event: { type: 'progress' } },
    { type: 'event', event: { type: 'delta', channel: 'answer', text: 'x', tokenIds: [] } },
    { type: 'error', id: 1, error: { code: 'busy' } },
    { type: 'error', id: 1, error: { code: 'load_failed', message: 'x', detail: 42 } },
    { type: 'result' },
    { type: 'gossip' },
  ];
  for (const raw of bad) assert.equal(decodeHostMessage(raw).ok, false, `accepted ${JSON.stringify(raw)}`);
});
