// Each remote failure code gives a message that says what happened and the action that fixes it;
// completions get no notice at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ACTION_LABELS, failureNotice, retryAfterText, type FailureContext } from '../../extension/core/remote/failureNotice';
import { RemoteFailure, remoteFailureOf, type RemoteFailureInfo } from '../../extension/core/remote/remoteFailure';
import { FakeRemoteError } from './remoteFakes';

const chat: FailureContext = { kind: 'chat', host: 'gpu-box:8000', model: 'deepseek-r1:7b' };
const notice = (failure: Partial<RemoteFailureInfo> & Pick<RemoteFailureInfo, 'code'>, context = chat) => failureNotice({ message: '', ...failure }, context);

test('401/403 offer Set API Key', () => {
  const n = notice({ code: 'unauthorized', status: 401 });
  assert.deepEqual(n.actions, ['setApiKey']);
  assert.match(n.message, /gpu-box:8000 refused the API key \(HTTP 401\)/);
  assert.equal(ACTION_LABELS[n.actions[0]], 'Set API Key…');
});

test("a missing model offers a pick from the server's models and names them", () => {
  const n = notice({ code: 'model_not_found', status: 404, availableModels: ['a', 'b'] });
  assert.equal(n.actions[0], 'pickModel');
  assert.match(n.message, /no model "deepseek-r1:7b"\. It offers: a, b\./);
});

test('refused, DNS and timeout offer Retry and the endpoint setting', () => {
  for (const code of ['connection_refused', 'dns', 'timeout', 'network'] as const) {
    const n = notice({ code });
    assert.ok(n.actions.includes('retry') && n.actions.includes('openSettings'), code);
  }
  assert.match(notice({ code: 'connection_refused' }).message, /connection refused/);
  assert.match(notice({ code: 'timeout' }).message, /r1Local\.remote\.timeoutMs/);
});

test('429 says when to retry, from Retry-After', () => {
  assert.match(notice({ code: 'rate_limited', retryAfterMs: 30_000 }).message, /Try again in 30 s\./);
  assert.match(notice({ code: 'rate_limited', retryAfterMs: 300_000 }).message, /in 5 min/);
  assert.match(notice({ code: 'rate_limited' }).message, /in a moment/);
  assert.equal(retryAfterText(1), 'in 1 s');
});

test('5xx, a broken stream, declined http and a bad endpoint each say so', () => {
  assert.match(notice({ code: 'server_error', status: 502 }).message, /HTTP 502/);
  const cut = notice({ code: 'incomplete', message: 'no [DONE]' });
  assert.match(cut.message, /kept and marked incomplete/);
  assert.deepEqual(cut.actions, ['retry']);
  assert.deepEqual(notice({ code: 'insecure_declined' }).actions, ['askAgain', 'openSettings']);
  assert.deepEqual(notice({ code: 'bad_endpoint', message: 'r1Local.remote.endpoint is not a URL' }).actions, ['openSettings']);
});

test('completion failures show no notice (the status bar has them)', () => {
  for (const code of ['unauthorized', 'connection_refused', 'server_error'] as const) assert.equal(notice({ code }, { ...chat, kind: 'completion' }).show, false);
  assert.equal(notice({ code: 'unauthorized' }, { ...chat, kind: 'explain' }).show, true);
});

test("the client's errors and the backend's own are read by their fields; other errors are not remote failures", () => {
  assert.deepEqual(remoteFailureOf(new FakeRemoteError({ code: 'rate_limited', message: 'slow down', status: 429, retryAfterMs: 2000 })), {
    code: 'rate_limited', message: 'slow down', status: 429, retryAfterMs: 2000, availableModels: undefined,
  });
  assert.equal(remoteFailureOf(new RemoteFailure({ code: 'no_models', message: 'none' }))?.code, 'no_models');
  assert.equal(remoteFailureOf(Object.assign(new Error('x'), { code: 'load_failed' })), undefined);
  assert.equal(remoteFailureOf('unauthorized'), undefined);
});
