// Inline completions through the real engine host (dist/engineHost.js) and the scripted model:
// the pipeline is driven with a fake clock for keystroke timing and debounce, while every model
// run is real. The scripted model continues its script from wherever the prompt's end matches it,
// so typing the suggestion keeps the model on script.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LocalEngine } from '../../extension/engine/localEngine';
import type { CompletionAnswer } from '../../extension/core/completion/completionService';
import { DEFAULT_COMPLETION_SETTINGS } from '../../extension/core/completion/completionSettings';
import { keystrokes, queryAtEnd, recordingBackend, serviceWith, settleWithTime, TypingSession } from '../helpers/completionHarness';
import { fixtureModel } from '../helpers/fixtureModels';
import { FakeClock, settle } from '../unit/completionFakes';
import { clientFor } from './hostTestKit';

const SCRIPT = '  const total = items.reduce((sum, item) => sum + item.price * item.count, 0);\n  return total;\n}\n';
const HEADER = '// Prices of a shopping cart.\nfunction cartTotal(items) {\n';

let client: LocalEngine;

before(async () => {
  const model = await fixtureModel('scripted', 'optimum', 'fp32', { script: SCRIPT });
  client = clientFor(model.dir);
  await client.load();
});

after(async () => {
  await client?.dispose();
});

/** What every typing run must show: few runs, never two at once, never an answer for an old version. */
function assertTypingRules(counts: { runs: number; maxActive: number }, typing: TypingSession, typingMs: number): void {
  const bound = Math.floor(typingMs / DEFAULT_COMPLETION_SETTINGS.debounceMs) + 1;
  const sources = typing.answered.map((a) => a.answer.source);
  const bySource = Object.fromEntries(['model', 'inflight', 'cache'].map((s) => [s, sources.filter((x) => x === s).length]));
  console.log(`# ${counts.runs} model runs over ${typingMs} ms of typing (bound ${bound}); answers by source: ${JSON.stringify(bySource)}`);
  assert.ok(counts.runs <= bound, `${counts.runs} runs > ${bound}`);
  assert.equal(counts.maxActive, 1, 'never two runs at once');
  for (const a of typing.answered) assert.equal(a.version, a.latestAtAnswer, `an answer for version ${a.version} arrived when ${a.latestAtAnswer} was current`);
}

test('1,000 keystrokes at 10–30 ms: runs ≤ typing time ÷ debounce + 1, one in flight, no stale answer', { timeout: 120_000 }, async () => {
  const clock = new FakeClock();
  const { backend, counts } = recordingBackend(client);
  const service = serviceWith(backend, clock);
  const typing = new TypingSession(service, HEADER);
  // The user stops typing at the end: the last request passes the debounce and runs on the real model.
  const typingMs = await typing.typeAll(clock, keystrokes(SCRIPT, 1000, 7));
  await typing.settled(clock);
  service.dispose();

  assertTypingRules(counts, typing, typingMs);
  assert.ok(counts.runs >= 1, 'the final pause reaches the model');
  assert.equal(typing.answered.at(-1)?.version, typing.version, 'the final document state gets a suggestion');
});

test('pauses while typing: runs start, are reused or cancelled, never overlap, never answer an old version', { timeout: 120_000 }, async () => {
  const clock = new FakeClock();
  const { backend, counts } = recordingBackend(client);
  const service = serviceWith(backend, clock);
  const typing = new TypingSession(service, HEADER);
  const typingMs = await typing.typeAll(clock, keystrokes(SCRIPT, 300, 11), 20);
  await typing.settled(clock);
  await settle();
  service.dispose();

  assertTypingRules(counts, typing, typingMs);
  assert.ok(counts.runs >= 2, `only ${counts.runs} runs: the pauses should reach the model`);
});

test('prefix reuse: five more characters after a 512-token prompt prefill fewer than 32 tokens', { timeout: 120_000 }, async () => {
  const clock = new FakeClock();
  const { backend, counts } = recordingBackend(client);
  // A budget large enough that the whole document is the prompt.
  const service = serviceWith(backend, clock, { prefixTokens: 8192 });
  const filler = Array.from({ length: 200 }, (_, i) => `  cart.add(item${i}, ${i % 7});`).join('\n');
  let document = `${HEADER}${filler}\n  cart`;
  const ask = async (version: number) => {
    const answer = service.provide(queryAtEnd(document, version), new AbortController().signal);
    await clock.advance(250);
    return answer;
  };

  const first = await ask(1);
  assert.ok(first, 'a first suggestion');
  const cold = counts.stats.at(-1)!;
  assert.ok(cold.promptTokens >= 512, `the first prompt has ${cold.promptTokens} tokens; the test needs at least 512`);

  document += '.size'; // five characters the suggestion did not contain
  const second = await ask(2);
  assert.equal(counts.runs, 2, 'the second request ran the model (no cache hit)');
  assert.equal(second?.source, 'model');
  const warm = counts.stats.at(-1)!;
  console.log(`# cold: ${cold.prefilledTokens}/${cold.promptTokens} prefilled; after 5 characters: ${warm.prefilledTokens}/${warm.promptTokens} prefilled, ${warm.reusedTokens} reused`);
  assert.ok(warm.prefilledTokens < 32, `prefilled ${warm.prefilledTokens} tokens`);
  assert.ok(warm.reusedTokens >= cold.promptTokens - 32, `reused only ${warm.reusedTokens} tokens`);
  service.dispose();
});

test('the scripted model suggests the rest of its block at the cursor, without thinking tokens', { timeout: 60_000 }, async () => {
  const clock = new FakeClock();
  const { backend } = recordingBackend(client);
  const service = serviceWith(backend, clock);
  const pendingAnswer = service.provide(queryAtEnd(`${HEADER}  const total = items.`, 1), new AbortController().signal);
  await clock.advance(250);
  const answer = await pendingAnswer;
  // The closing brace ends the cursor's block; nothing after it is suggested.
  assert.equal(answer?.text, 'reduce((sum, item) => sum + item.price * item.count, 0);\n  return total;\n}');
  assert.doesNotMatch(answer?.text ?? '', /<think>|<\/think>|<｜/);
  service.dispose();
});

test('typing the first characters of a running completion reuses the run instead of starting another', { timeout: 60_000 }, async () => {
  const clock = new FakeClock();
  let typeAhead: (() => void) | undefined;
  const { backend, counts } = recordingBackend(client, (event) => {
    // The user types as soon as the model has started answering, while the run is still going.
    if (event.type === 'delta' && typeAhead) {
      const type = typeAhead;
      typeAhead = undefined;
      type();
    }
  });
  const service = serviceWith(backend, clock);
  const before = `${HEADER}  const total = items.`;
  const first = new AbortController();
  const firstAnswer = service.provide(queryAtEnd(before, 1), first.signal);
  let secondAnswer: Promise<CompletionAnswer | undefined> | undefined;
  typeAhead = () => {
    first.abort();
    secondAnswer = service.provide(queryAtEnd(`${before}red`, 2), new AbortController().signal);
  };
  await clock.advance(250);
  assert.equal(await firstAnswer, undefined, 'the first request was cancelled by the keystroke');
  await settleWithTime(secondAnswer ?? Promise.reject(new Error('the model never answered')), clock);
  const answer = await secondAnswer;
  assert.equal(counts.runs, 1, 'one model run served both requests');
  assert.equal(answer?.source, 'inflight');
  assert.equal(answer?.text, 'uce((sum, item) => sum + item.price * item.count, 0);\n  return total;\n}');
  service.dispose();
});
