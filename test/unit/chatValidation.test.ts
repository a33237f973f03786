// Messages from the webview are untrusted: unknown types, wrong field types and oversized strings
// are rejected with a reason; accepted messages are rebuilt with known fields only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_CODE_CHARS, MAX_MESSAGE_CHARS, validateWebviewMessage } from '../../extension/core/chat/messageValidation';

function reason(raw: unknown): string {
  const result = validateWebviewMessage(raw);
  assert.equal(result.ok, false, `expected ${JSON.stringify(raw)?.slice(0, 80)} to be rejected`);
  return (result as { reason: string }).reason;
}

test('every well-formed message is accepted as is', () => {
  const good = [
    { v: 1, type: 'ready' },
    { v: 1, type: 'send', text: 'hello', budget: 'medium' },
    { v: 1, type: 'stop' },
    { v: 1, type: 'newChat' },
    { v: 1, type: 'openConversation', id: 'abc' },
    { v: 1, type: 'setBudget', budget: 'off' },
    { v: 1, type: 'toggleReasoning', turnId: 't', expanded: false },
    { v: 1, type: 'copyCode', code: '' },
    { v: 1, type: 'insertCode', code: 'x = 1\n' },
    { v: 1, type: 'openLink', url: 'https://example.com' },
    { v: 1, type: 'runCommand', command: 'r1Local.selectModelFolder' },
  ];
  for (const message of good) assert.deepEqual(validateWebviewMessage(message), { ok: true, message });
});

test('unknown types, versions and non-objects are rejected', () => {
  assert.match(reason({ v: 1, type: 'executeCommand', command: 'workbench.action.terminal.new' }), /unknown message type/);
  assert.match(reason({ v: 1, type: '__proto__' }), /unknown message type/);
  assert.match(reason({ v: 1, type: 'toString' }), /unknown message type/);
  assert.match(reason({ v: 2, type: 'ready' }), /version/);
  assert.match(reason({ type: 'ready' }), /version/);
  assert.match(reason(null), /not an object/);
  assert.match(reason('ready'), /not an object/);
  assert.match(reason([1]), /not an object/);
});

test('wrong field types and values are rejected', () => {
  assert.match(reason({ v: 1, type: 'send', text: 42, budget: 'medium' }), /send\.text: expected a string/);
  assert.match(reason({ v: 1, type: 'send', text: '   ', budget: 'medium' }), /empty/);
  assert.match(reason({ v: 1, type: 'send', text: 'hi', budget: 'huge' }), /send\.budget/);
  assert.match(reason({ v: 1, type: 'toggleReasoning', turnId: 't', expanded: 'yes' }), /boolean/);
  assert.match(reason({ v: 1, type: 'runCommand', command: 'workbench.action.terminal.new' }), /runCommand\.command/);
  assert.match(reason({ v: 1, type: 'openLink' }), /openLink\.url: expected a string, got undefined/);
});

test('oversized strings are rejected', () => {
  assert.match(reason({ v: 1, type: 'send', text: 'x'.repeat(MAX_MESSAGE_CHARS + 1), budget: 'short' }), /exceeds/);
  assert.match(reason({ v: 1, type: 'insertCode', code: 'x'.repeat(MAX_CODE_CHARS + 1) }), /exceeds/);
  assert.match(reason({ v: 1, type: 'openConversation', id: 'i'.repeat(1000) }), /exceeds/);
  assert.ok(validateWebviewMessage({ v: 1, type: 'send', text: 'x'.repeat(MAX_MESSAGE_CHARS), budget: 'short' }).ok);
});

test('unknown extra fields are dropped, not passed on', () => {
  const result = validateWebviewMessage({ v: 1, type: 'stop', command: 'evil', __proto__: { polluted: true } });
  assert.deepEqual(result, { ok: true, message: { v: 1, type: 'stop' } });
});
