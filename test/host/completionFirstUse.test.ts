// First use of inline completions through the real engine host (dist/engineHost.js) and the
// scripted model: the engine host is not started when the first query arrives; the query waits for
// the host to start and the model to load, and is answered. Then a cold 512-token prompt with a
// decode budget far shorter than its prefill still gets a suggestion, because the budget counts
// from the first token. Keystroke timing and debounce run on a fake clock; every model run is real.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { BackendState } from '../../extension/core/generationBackend';
import type { LocalEngine } from '../../extension/engine/localEngine';
import type { CompletionStatus } from '../../extension/core/completion/completionService';
import { queryAtEnd as query, recordingBackend, serviceWith, settleWithTime } from '../helpers/completionHarness';
import { fixtureModel } from '../helpers/fixtureModels';
import { FakeClock } from '../unit/completionFakes';
import { clientFor } from './hostTestKit';

const SCRIPT = '  const total = items.reduce((sum, item) => sum + item.price * item.count, 0);\n  return total;\n}\n';
const HEADER = '// Prices of a shopping cart.\nfunction cartTotal(items) {\n';

let client: LocalEngine;
const states: BackendState['kind'][] = [];

before(async () => {
  const model = await fixtureModel('scripted', 'optimum', 'fp32', { script: SCRIPT });
  // Not loaded here: the first completion query is what starts the engine host.
  client = clientFor(model.dir);
  client.onDidChangeState((state) => states.push(state.kind));
});

after(async () => {
  await client?.dispose();
});

test('a query made before the engine host started and the model loaded is answered once the model is ready', { timeout: 120_000 }, async () => {
  assert.equal(client.modelInfo, undefined, 'no model loaded before the query');
  assert.equal(client.hostPid, undefined, 'no engine host running before the query');
  const clock = new FakeClock();
  const { backend, counts } = recordingBackend(client);
  const { done } = counts;
  // As the extension wires it: capabilities once the model is loaded, else the load that tells them.
  const service = serviceWith(backend, clock);
  const loading: boolean[] = [];
  service.onDidChangeStatus((s: CompletionStatus) => {
    if (s.type === 'loading') loading.push(s.loading);
  });

  const document = `${HEADER}  const total = items.`;
  const answer = await settleWithTime(service.provide(query(document, 1), new AbortController().signal), clock);
  service.dispose();

  assert.equal(answer?.source, 'model');
  assert.equal(answer?.text, 'reduce((sum, item) => sum + item.price * item.count, 0);\n  return total;\n}');
  assert.equal(done.length, 1, 'one model run');
  assert.deepEqual(loading, [true, false], 'the service reported the wait for the load');
  const loadingAt = states.indexOf('loading');
  assert.ok(loadingAt >= 0 && states.indexOf('ready') > loadingAt, `engine states: ${states.join(' → ')}`);
});

test('a cold 512-token prompt gets a suggestion although its prefill outlasts the decode budget', { timeout: 120_000 }, async () => {
  const clock = new FakeClock();
  const { backend, counts } = recordingBackend(client);
  const { done } = counts;
  // 1 ms: any real prefill of 512 tokens takes longer, so a budget that counted the prefill would
  // stop before the first token and show nothing.
  const service = serviceWith(backend, clock, { prefixTokens: 8192, timeBudgetMs: 1 });
  // Text the first test's prompt did not have, so the completion slot's cache cannot serve it.
  const filler = Array.from({ length: 200 }, (_, i) => `  basket.put(entry${i}, ${i % 5});`).join('\n');
  const document = `${HEADER}${filler}\n  const total = items.`;
  const answer = await settleWithTime(service.provide(query(document, 1), new AbortController().signal), clock);
  service.dispose();

  const stats = done.at(-1)?.stats;
  assert.ok(stats, 'the model ran');
  console.log(`# cold prompt: ${stats.prefilledTokens}/${stats.promptTokens} prefilled in ${Math.round(stats.ttftMs)} ms to the first token; ${stats.generatedTokens} tokens generated; finish ${done.at(-1)?.finishReason}`);
  assert.ok(stats.prefilledTokens >= 512, `only ${stats.prefilledTokens} of ${stats.promptTokens} prompt tokens were prefilled; the test needs a cold prompt of at least 512`);
  assert.ok(stats.generatedTokens >= 1, 'the first token is always produced');
  assert.ok(answer && answer.text.length > 0, 'a suggestion is shown');
  const continuation = 'reduce((sum, item) => sum + item.price * item.count, 0);\n  return total;\n}';
  assert.ok(continuation.startsWith(answer.text), `suggestion ${JSON.stringify(answer.text)} is the script's continuation`);
});
