// Inline completions through the real engine host (dist/engineHost.js) and the scripted model:
// the pipeline is driven with a fake clock for keystroke timing and debounce, while every model
// run is real. The scripted model continues its script from wherever the prompt's end matches it,
// so typing the suggestion keeps the model on script.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { GenerationEvent, GenerationRequest, GenerationStats } from '../../engine/types';
import type { EngineClient } from '../../extension/engineClient';
import type { CompletionEngine } from '../../extension/completion/completionEngine';
import { CompletionService, type CompletionAnswer } from '../../extension/completion/completionService';
import { DEFAULT_COMPLETION_SETTINGS, type CompletionSettings } from '../../extension/completion/completionSettings';
import { stringSource } from '../../extension/completion/textSource';
import { fixtureModel } from '../helpers/fixtureModels';
import { FakeClock, settle } from '../unit/completionFakes';
import { clientFor } from './hostTestKit';

const SCRIPT = '  const total = items.reduce((sum, item) => sum + item.price * item.count, 0);\n  return total;\n}\n';
const HEADER = '// Prices of a shopping cart.\nfunction cartTotal(items) {\n';

let client: EngineClient;

before(async () => {
  const model = await fixtureModel('scripted', 'optimum', 'fp32', { script: SCRIPT });
  client = clientFor(model.dir);
  await client.load();
});

after(async () => {
  await client?.dispose();
});

/** Wraps the engine client to count model runs and how many are in flight at once. */
function countingEngine(inner: EngineClient, onEvent?: (event: GenerationEvent) => void) {
  const counts = { runs: 0, active: 0, maxActive: 0, stats: [] as GenerationStats[] };
  const engine: CompletionEngine = {
    async *generate(request: GenerationRequest, signal: AbortSignal): AsyncGenerator<GenerationEvent> {
      counts.runs++;
      counts.active++;
      counts.maxActive = Math.max(counts.maxActive, counts.active);
      try {
        for await (const event of inner.generate(request, signal)) {
          if (event.type === 'done') counts.stats.push(event.stats);
          onEvent?.(event);
          yield event;
        }
      } finally {
        counts.active--;
      }
    },
  };
  return { engine, counts };
}

function serviceWith(engine: CompletionEngine, clock: FakeClock, overrides: Partial<CompletionSettings> = {}) {
  const settings = { ...DEFAULT_COMPLETION_SETTINGS, ...overrides };
  return new CompletionService({ engine, clock, settings: () => settings, modelInfo: () => client.modelInfo });
}

/**
 * Waits for every request to settle while fake time keeps flowing (the user has stopped typing):
 * a request may still start its debounce after waiting on a run in real time.
 */
async function settleWithTime(pending: Array<Promise<unknown>>, clock: FakeClock): Promise<void> {
  let settled = false;
  const all = Promise.all(pending).then(() => {
    settled = true;
  });
  while (!settled) {
    await clock.advance(50);
    await new Promise((r) => setTimeout(r, 10));
  }
  await all;
}

/** Seeded keystroke generator: mostly the script (accepting the suggestion), sometimes other text. */
function* keystrokes(count: number, seed: number): Generator<{ text: string; gapMs: number }> {
  let state = seed >>> 0;
  const random = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const other = '  // note: prices include tax\n  let discount = 0;\n';
  let source = SCRIPT;
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at >= source.length) {
      source = random() < 0.5 ? SCRIPT : other;
      at = 0;
    }
    yield { text: source[at++]!, gapMs: 10 + Math.floor(random() * 21) };
  }
}

test('1,000 keystrokes at 10–30 ms: runs ≤ typing time ÷ debounce + 1, one in flight, no stale answer', { timeout: 120_000 }, async () => {
  const clock = new FakeClock();
  const { engine, counts } = countingEngine(client);
  const service = serviceWith(engine, clock);
  let document = HEADER;
  let version = 0;
  let controller: AbortController | undefined;
  const answered: Array<{ version: number; latestAtAnswer: number; answer: CompletionAnswer }> = [];
  const pending: Array<Promise<unknown>> = [];
  const ask = () => {
    controller?.abort(); // as VS Code does when the document changes
    controller = new AbortController();
    const queryVersion = ++version;
    const query = { document: 'file:///cart.js', version: queryVersion, text: stringSource(document), offset: document.length, languageId: 'javascript', cursorCount: 1 };
    pending.push(
      service.provide(query, controller.signal).then((answer) => {
        if (answer) answered.push({ version: queryVersion, latestAtAnswer: version, answer });
      }),
    );
  };

  let typingMs = 0;
  ask();
  for (const key of keystrokes(1000, 7)) {
    await clock.advance(key.gapMs);
    typingMs += key.gapMs;
    document += key.text;
    ask();
  }
  // The user stops typing: the last request passes the debounce and runs on the real model.
  await clock.advance(300);
  typingMs += 300;
  await settleWithTime(pending, clock);
  service.dispose();

  const bound = Math.floor(typingMs / DEFAULT_COMPLETION_SETTINGS.debounceMs) + 1;
  console.log(`# ${counts.runs} model runs for 1000 keystrokes over ${typingMs} ms (bound ${bound}); ${answered.length} answers`);
  assert.ok(counts.runs <= bound, `${counts.runs} runs > ${bound}`);
  assert.ok(counts.runs >= 1, 'the final pause reaches the model');
  assert.equal(counts.maxActive, 1, 'never two runs at once');
  for (const a of answered) assert.equal(a.version, a.latestAtAnswer, `an answer for version ${a.version} arrived when ${a.latestAtAnswer} was current`);
  const last = answered.at(-1);
  assert.equal(last?.version, version, 'the final document state gets a suggestion');
});

test('pauses while typing: runs start, are reused or cancelled, never overlap, never answer an old version', { timeout: 120_000 }, async () => {
  const clock = new FakeClock();
  const { engine, counts } = countingEngine(client);
  const service = serviceWith(engine, clock);
  let document = HEADER;
  let version = 0;
  let controller: AbortController | undefined;
  const answered: Array<{ version: number; latestAtAnswer: number; answer: CompletionAnswer }> = [];
  const pending: Array<Promise<unknown>> = [];
  const ask = () => {
    controller?.abort();
    controller = new AbortController();
    const queryVersion = ++version;
    const query = { document: 'file:///cart.js', version: queryVersion, text: stringSource(document), offset: document.length, languageId: 'javascript', cursorCount: 1 };
    pending.push(
      service.provide(query, controller.signal).then((answer) => {
        if (answer) answered.push({ version: queryVersion, latestAtAnswer: version, answer });
      }),
    );
  };

  let typingMs = 0;
  let i = 0;
  ask();
  for (const key of keystrokes(300, 11)) {
    // Every 20th keystroke follows a pause long enough for the debounce, and the model gets some
    // real time to work before typing resumes.
    const gap = ++i % 20 === 0 ? 400 : key.gapMs;
    await clock.advance(gap);
    if (gap === 400) for (let k = 0; k < 3; k++) await new Promise((r) => setTimeout(r, 5));
    typingMs += gap;
    document += key.text;
    ask();
  }
  await clock.advance(300);
  typingMs += 300;
  await settleWithTime(pending, clock);
  await settle();
  service.dispose();

  const bound = Math.floor(typingMs / DEFAULT_COMPLETION_SETTINGS.debounceMs) + 1;
  const sources = answered.map((a) => a.answer.source);
  console.log(`# ${counts.runs} runs over ${typingMs} ms (bound ${bound}); answers by source: ${JSON.stringify(Object.fromEntries(['model', 'inflight', 'cache'].map((s) => [s, sources.filter((x) => x === s).length])))}`);
  assert.ok(counts.runs >= 2, `only ${counts.runs} runs: the pauses should reach the model`);
  assert.ok(counts.runs <= bound, `${counts.runs} runs > ${bound}`);
  assert.equal(counts.maxActive, 1, 'never two runs at once');
  for (const a of answered) assert.equal(a.version, a.latestAtAnswer, `an answer for version ${a.version} arrived when ${a.latestAtAnswer} was current`);
});

test('prefix reuse: five more characters after a 512-token prompt prefill fewer than 32 tokens', { timeout: 120_000 }, async () => {
  const clock = new FakeClock();
  const { engine, counts } = countingEngine(client);
  // A budget large enough that the whole document is the prompt.
  const service = serviceWith(engine, clock, { prefixTokens: 8192 });
  const filler = Array.from({ length: 200 }, (_, i) => `  cart.add(item${i}, ${i % 7});`).join('\n');
  let document = `${HEADER}${filler}\n  cart`;
  const ask = async (version: number) => {
    const query = { document: 'file:///cart.js', version, text: stringSource(document), offset: document.length, languageId: 'javascript', cursorCount: 1 };
    const answer = service.provide(query, new AbortController().signal);
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
  const { engine } = countingEngine(client);
  const service = serviceWith(engine, clock);
  const document = `${HEADER}  const total = items.`;
  const query = { document: 'file:///cart.js', version: 1, text: stringSource(document), offset: document.length, languageId: 'javascript', cursorCount: 1 };
  const pendingAnswer = service.provide(query, new AbortController().signal);
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
  const { engine, counts } = countingEngine(client, (event) => {
    // The user types as soon as the model has started answering, while the run is still going.
    if (event.type === 'delta' && typeAhead) {
      const type = typeAhead;
      typeAhead = undefined;
      type();
    }
  });
  const service = serviceWith(engine, clock);
  const before = `${HEADER}  const total = items.`;
  const query = (text: string, version: number) => ({ document: 'file:///cart.js', version, text: stringSource(text), offset: text.length, languageId: 'javascript', cursorCount: 1 });
  const first = new AbortController();
  const firstAnswer = service.provide(query(before, 1), first.signal);
  let secondAnswer: Promise<CompletionAnswer | undefined> | undefined;
  typeAhead = () => {
    first.abort();
    secondAnswer = service.provide(query(`${before}red`, 2), new AbortController().signal);
  };
  await clock.advance(250);
  assert.equal(await firstAnswer, undefined, 'the first request was cancelled by the keystroke');
  await settleWithTime([secondAnswer ?? Promise.reject(new Error('the model never answered'))], clock);
  const answer = await secondAnswer;
  assert.equal(counts.runs, 1, 'one model run served both requests');
  assert.equal(answer?.source, 'inflight');
  assert.equal(answer?.text, 'uce((sum, item) => sum + item.price * item.count, 0);\n  return total;\n}');
  service.dispose();
});
