// Inline completions driven like an editor would: a completion service on a fake clock over a
// backend that records every model run, queries for a document at its end, and a typing session
// that cancels the previous query on each keystroke as VS Code does.
import { createRng } from '../../engine/generation/rng';
import type { GenerationEvent, GenerationRequest, GenerationStats } from '../../engine/types';
import type { CompletionBackend } from '../../extension/core/completion/completionBackend';
import { CompletionService, type CompletionAnswer } from '../../extension/core/completion/completionService';
import { DEFAULT_COMPLETION_SETTINGS, type CompletionSettings } from '../../extension/core/completion/completionSettings';
import { stringSource } from '../../extension/core/completion/textSource';
import type { FakeClock } from '../unit/completionFakes';

export type DoneEvent = Extract<GenerationEvent, { type: 'done' }>;

/** Passes `inner` through, counting model runs, how many overlap, and their `done` events. */
export function recordingBackend(inner: CompletionBackend, onEvent?: (event: GenerationEvent) => void) {
  const counts = { runs: 0, active: 0, maxActive: 0, stats: [] as GenerationStats[], done: [] as DoneEvent[] };
  const backend: CompletionBackend = {
    get capabilities() {
      return inner.capabilities;
    },
    prepare: () => inner.prepare(),
    async *generate(request: GenerationRequest, signal: AbortSignal): AsyncGenerator<GenerationEvent> {
      counts.runs++;
      counts.active++;
      counts.maxActive = Math.max(counts.maxActive, counts.active);
      try {
        for await (const event of inner.generate(request, signal)) {
          if (event.type === 'done') {
            counts.stats.push(event.stats);
            counts.done.push(event);
          }
          onEvent?.(event);
          yield event;
        }
      } finally {
        counts.active--;
      }
    },
  };
  return { backend, counts };
}

export function serviceWith(backend: CompletionBackend, clock: FakeClock, overrides: Partial<CompletionSettings> = {}): CompletionService {
  const settings = { ...DEFAULT_COMPLETION_SETTINGS, ...overrides };
  return new CompletionService({ backend, clock, settings: () => settings });
}

/** A query for `text` with the cursor at its end. */
export function queryAtEnd(text: string, version: number, document = 'file:///cart.js') {
  return { document, version, text: stringSource(text), offset: text.length, languageId: 'javascript', cursorCount: 1 };
}

/**
 * Keeps fake time flowing (the user has stopped typing) until `pending` settles: a request may
 * still start its debounce after waiting on a run in real time.
 */
export async function settleWithTime<T>(pending: Promise<T>, clock: FakeClock): Promise<T> {
  let settled = false;
  void pending.finally(() => (settled = true)).catch(() => undefined);
  while (!settled) {
    await clock.advance(50);
    await new Promise((r) => setTimeout(r, 10));
  }
  return pending;
}

/** A document being typed: every `type()` is a keystroke that cancels the previous query and asks again. */
export class TypingSession {
  version = 0;
  readonly answered: Array<{ version: number; latestAtAnswer: number; answer: CompletionAnswer }> = [];
  private readonly pending: Array<Promise<unknown>> = [];
  private controller: AbortController | undefined;

  constructor(
    private readonly service: CompletionService,
    public document: string,
  ) {}

  ask(): void {
    this.controller?.abort(); // as VS Code does when the document changes
    this.controller = new AbortController();
    const version = ++this.version;
    const answer = this.service.provide(queryAtEnd(this.document, version), this.controller.signal);
    this.pending.push(answer.then((a) => a && this.answered.push({ version, latestAtAnswer: this.version, answer: a })));
  }

  type(text: string): void {
    this.document += text;
    this.ask();
  }

  /**
   * Types `keys` at their gaps, then stops for longer than the debounce; returns the typing time.
   * With `pauseEvery`, every that many keystrokes follow a pause the debounce lets through, and the
   * model gets some real time to work before typing resumes.
   */
  async typeAll(clock: FakeClock, keys: Iterable<{ text: string; gapMs: number }>, pauseEvery?: number): Promise<number> {
    let typingMs = 0;
    let count = 0;
    this.ask();
    for (const key of keys) {
      const pause = pauseEvery !== undefined && ++count % pauseEvery === 0;
      const gap = pause ? 400 : key.gapMs;
      await clock.advance(gap);
      if (pause) for (let k = 0; k < 3; k++) await new Promise((r) => setTimeout(r, 5));
      typingMs += gap;
      this.type(key.text);
    }
    await clock.advance(300);
    return typingMs + 300;
  }

  /** Every query has settled. */
  settled(clock: FakeClock): Promise<unknown> {
    return settleWithTime(Promise.all(this.pending), clock);
  }
}

/** Seeded keystrokes: mostly `script` (accepting the suggestion), sometimes other text; gaps of 10–30 ms. */
export function* keystrokes(script: string, count: number, seed: number): Generator<{ text: string; gapMs: number }> {
  const rng = createRng(seed);
  const random = () => rng.next();
  const other = '  // note: prices include tax\n  let discount = 0;\n';
  let source = script;
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at >= source.length) {
      source = random() < 0.5 ? script : other;
      at = 0;
    }
    yield { text: source[at++]!, gapMs: 10 + Math.floor(random() * 21) };
  }
}
