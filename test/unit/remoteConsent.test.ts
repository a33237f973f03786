// The plain-http question's memory: only an Allow is saved; a Cancel or a dismissed question is kept
// for this window only (no question per keystroke), and asked again in the next one or after
// "Ask Again…". Requests waiting on the same origin share one question.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ANSWERS_KEY, ConsentMemory, type AnswerStore } from '../../extension/core/remote/consentMemory';
import { parseEndpoint, type EndpointFacts } from '../../extension/core/remote/endpoint';
import { remoteFailureOf } from '../../extension/core/remote/remoteFailure';

class MemoryStore implements AnswerStore {
  readonly values = new Map<string, unknown>();
  get<T>(key: string): T | undefined {
    return this.values.get(key) as T | undefined;
  }
  async update(key: string, value: unknown): Promise<void> {
    this.values.set(key, value);
  }
}

function facts(endpoint: string): EndpointFacts {
  const parsed = parseEndpoint(endpoint);
  assert.ok(parsed.ok);
  return parsed.facts;
}

const box = facts('http://gpu-box:8000/v1');
const declined = (e: unknown) => remoteFailureOf(e)?.code === 'insecure_declined';

test('a dismissed question is not saved: this window does not ask again, the next one does', async () => {
  const store = new MemoryStore();
  let asked = 0;
  const consent = new ConsentMemory(store, async () => (asked++, false));
  await assert.rejects(consent.ensure(box), declined);
  await assert.rejects(consent.ensure(box), declined);
  assert.equal(asked, 1, 'one question per window, not one per request');
  assert.deepEqual(store.get(ANSWERS_KEY), undefined, 'nothing saved');

  let askedNext = 0;
  const nextWindow = new ConsentMemory(store, async () => (askedNext++, true));
  await nextWindow.ensure(box);
  assert.equal(askedNext, 1, 'asked again in the next window');
  assert.deepEqual(store.get(ANSWERS_KEY), { 'http://gpu-box:8000': 'allow' });
});

test('an Allow is saved per origin; a deny an earlier version saved is asked again', async () => {
  const store = new MemoryStore();
  store.values.set(ANSWERS_KEY, { 'http://gpu-box:8000': 'deny', 'http://other:1': 'allow' });
  let asked = 0;
  const consent = new ConsentMemory(store, async () => (asked++, true));
  await consent.ensure(box);
  await consent.ensure(box);
  await consent.ensure(facts('http://other:1/v1'));
  assert.equal(asked, 1);
  assert.deepEqual(store.get(ANSWERS_KEY), { 'http://gpu-box:8000': 'allow', 'http://other:1': 'allow' });
});

test('"Ask Again…" forgets a decline of this window; loopback and https are never asked about; one question is shared', async () => {
  const store = new MemoryStore();
  const answers = [false, true];
  let asked = 0;
  let release: (() => void) | undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const consent = new ConsentMemory(store, async () => {
    asked++;
    await gate;
    return answers.shift()!;
  });
  const waiting = [consent.ensure(box), consent.ensure(box)];
  release!();
  for (const w of waiting) await assert.rejects(w, declined);
  assert.equal(asked, 1);
  await consent.forget(box.origin);
  await consent.ensure(box);
  assert.equal(asked, 2);
  await consent.ensure(facts('http://127.0.0.1:8080/v1'));
  await consent.ensure(facts('https://gpu-box/v1'));
  assert.equal(asked, 2);
});
