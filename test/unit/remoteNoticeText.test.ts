// Server-supplied text in a notice cannot plant a link (VS Code renders `[label](command:…)` in
// notifications as a link that runs the command), a code span, control characters or an endless line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { failureNotice } from '../../extension/core/remote/failureNotice';
import { NOTICE_TEXT_LIMIT, noticeText } from '../../extension/core/remote/noticeText';

/** The pattern VS Code's notifications turn into links (vs/base/common/linkedText.ts). */
const LINK = /\[([^\]]+)\]\(((?:https?:\/\/|command:|file:)[^)\s]+)(?: (["'])(.+?)(\3))?\)/i;

test('links, code spans and control characters are neutralised; the length is capped', () => {
  const hostile = 'Click [here](command:workbench.action.terminal.new) or `rm -rf`\u0007\r\nnow\u202e';
  const safe = noticeText(hostile);
  assert.doesNotMatch(safe, LINK);
  assert.equal(safe, "Click [here] (command:workbench.action.terminal.new) or 'rm -rf' now");
  assert.equal(noticeText('(HTTP 400) [draft]'), '(HTTP 400) [draft]', 'ordinary brackets and parentheses stay as they are');
  assert.doesNotMatch(safe, /[\u0000-\u001f\u007f-\u009f\u202e]/);
  const long = noticeText('a'.repeat(10_000));
  assert.equal(long.length, NOTICE_TEXT_LIMIT + 1);
  assert.ok(long.endsWith('…'));
  assert.equal(noticeText('plain words: HTTP 400'), 'plain words: HTTP 400');
});

test("every notice quotes the server's message and model names through it", () => {
  const attack = '[Fix it](command:r1Local.setServerApiKey)';
  const chat = { kind: 'chat' as const, host: 'gpu-box:8000', model: attack };
  for (const code of ['server_error', 'bad_request', 'incomplete', 'network', 'timeout', 'bad_endpoint'] as const) {
    const n = failureNotice({ code, message: `The server said: ${attack}` }, chat);
    assert.doesNotMatch(n.message, LINK, code);
    assert.match(n.message, /Fix it/, code);
  }
  const missing = failureNotice({ code: 'model_not_found', message: '', availableModels: [attack, 'ok-model'] }, chat);
  assert.doesNotMatch(missing.message, LINK);
  assert.match(missing.message, /ok-model/);
  assert.ok(failureNotice({ code: 'server_error', message: 'x'.repeat(5_000) }, chat).message.length < 500, 'capped');
});

test('a redirect tells the user to set the final URL', () => {
  const n = failureNotice({ code: 'redirected', message: 'redirected' }, { kind: 'chat', host: 'gpu-box:8000' });
  assert.deepEqual(n.actions, ['openSettings']);
  assert.match(n.message, /r1Local\.remote\.endpoint to the final URL/);
});
