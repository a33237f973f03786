// Chat prompting: no system prompt, earlier turns without reasoning, failed turns left out, old turns
// dropped past the history budget, and the reasoning budget levels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildChatRequest, chatMessages } from '../../extension/core/chat/promptBuilder';
import { MAX_REASONING_TOKENS, reasoningTokens } from '../../extension/core/chat/reasoningBudget';
import type { ChatTurn } from '../../engine/common/chat/protocol';

function turn(user: string, answer: string, reasoning = 'long hidden reasoning'): ChatTurn {
  return { id: user, kind: 'chat', user, reasoning, answer, reasoningTokens: 3, startedAt: 0, status: answer ? 'done' : 'stopped' };
}

test('earlier turns carry the answer only; turns without an answer are left out whole', () => {
  const messages = chatMessages([turn('a', 'A'), turn('b', ''), turn('c', 'C\n')], 'd');
  assert.deepEqual(messages, [
    { role: 'user', content: 'a' },
    { role: 'assistant', content: 'A' },
    { role: 'user', content: 'c' },
    { role: 'assistant', content: 'C' },
    { role: 'user', content: 'd' },
  ]);
  assert.ok(messages.every((m) => !m.content.includes('reasoning')));
});

test('old turns are dropped once the history budget is used, newest kept', () => {
  const turns = Array.from({ length: 10 }, (_, i) => turn(`q${i}`, 'x'.repeat(100)));
  const messages = chatMessages(turns, 'now', 350);
  assert.deepEqual(messages.filter((m) => m.role === 'user').map((m) => m.content), ['q7', 'q8', 'q9', 'now']);
});

test('the request: chat prompt, no system message, R1 sampling defaults, budget → maxReasoningTokens', () => {
  const request = buildChatRequest([{ role: 'user', content: 'hi' }], 'chat', 'long');
  assert.equal(request.prompt.type, 'chat');
  assert.ok(request.prompt.type === 'chat' && request.prompt.messages.every((m) => m.role !== ('system' as string)));
  assert.deepEqual(request.sampling, { temperature: 0.6, topP: 0.95 });
  assert.equal(request.maxReasoningTokens, 8192);
  assert.equal(request.maxNewTokens, 8192 + 2048);
  assert.equal(request.splitReasoning, true);
});

test('budget levels scale the medium setting and stay bounded', () => {
  assert.deepEqual(['off', 'short', 'medium', 'long'].map((b) => reasoningTokens(b as 'off', 1000)), [0, 250, 1000, 4000]);
  assert.equal(reasoningTokens('long', 32_768), MAX_REASONING_TOKENS);
  assert.equal(reasoningTokens('medium', -5), 0);
});
