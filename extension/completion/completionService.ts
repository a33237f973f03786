// The completion pipeline, free of VS Code: prefilter → prompt window → cache → in-flight reuse →
// debounce → one model run → post-processing → cache.
//
// Sequencing: every query takes a number; only the newest may start a model run or show a
// result, so a slow answer for an older document state is dropped rather than shown. At most one
// run is in flight: a new run starts only after the previous one was cancelled and has ended.
import type { GenerationStats, ModelInfo } from '../../engine/types';
import { CompletionCache, type CacheKey } from './completionCache';
import type { CompletionEngine } from './completionEngine';
import type { CompletionSettings } from './completionSettings';
import { delay, systemClock, type Clock } from './clock';
import { InflightGeneration, type GenerationOutcome } from './inflightGeneration';
import { postprocess } from './postprocess';
import { prefilter, type SkipReason } from './prefilter';
import { buildCompletionPrompt, completionFormatFor, type CompletionPrompt } from './promptFormat';
import { buildPromptWindow, type PromptWindow } from './promptWindow';
import type { TextSource } from './textSource';
import { Emitter } from '../util/emitter';

/** A run nobody waits for is cancelled after the debounce time, but never sooner than this. */
const MIN_GRACE_MS = 100;

export interface CompletionQuery {
  /** Identifies the document (its URI). */
  document: string;
  version: number;
  text: TextSource;
  /** Cursor offset in UTF-16 code units. */
  offset: number;
  languageId: string;
  cursorCount: number;
  /** Asked for explicitly (the trigger command): no debounce. */
  manual?: boolean;
}

export interface CompletionAnswer {
  text: string;
  source: 'cache' | 'inflight' | 'model';
  /** From the query's arrival to the answer, debounce included. */
  latencyMs: number;
  stats?: GenerationStats;
}

export type CompletionStatus =
  | { type: 'running'; running: boolean }
  | { type: 'answered'; answer: CompletionAnswer }
  | { type: 'skipped'; reason: SkipReason }
  | { type: 'error'; error: unknown };

export interface CompletionServiceDeps {
  engine: CompletionEngine;
  /** Read on every query, so setting changes apply to the next keystroke. */
  settings: () => CompletionSettings;
  /** The completion model's info (loading it if need be); decides the prompt format. */
  modelInfo: () => ModelInfo | undefined | Promise<ModelInfo | undefined>;
  clock?: Clock;
  cacheCapacity?: number;
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const onAbort = (): void => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    void promise.then((value) => {
      signal.removeEventListener('abort', onAbort);
      resolve(value);
    });
  });
}

/** A model run and its outcome once the suggestion it produced has been cached. */
interface Run {
  generation: InflightGeneration;
  settled: Promise<GenerationOutcome>;
}

export class CompletionService {
  private readonly clock: Clock;
  private readonly cache: CompletionCache;
  private readonly statuses = new Emitter<CompletionStatus>();
  /** Every step worth showing or logging: runs starting and ending, answers, skips, errors. */
  readonly onDidChangeStatus = this.statuses.event;
  private sequence = 0;
  private debouncing: AbortController | undefined;
  private inflight: Run | undefined;
  private disposed = false;

  constructor(private readonly deps: CompletionServiceDeps) {
    this.clock = deps.clock ?? systemClock;
    this.cache = new CompletionCache(deps.cacheCapacity);
  }

  /** Forgets cached suggestions (the model changed). */
  clearCache(): void {
    this.cache.clear();
  }

  dispose(): void {
    this.disposed = true;
    this.debouncing?.abort();
    this.inflight?.generation.abort();
    this.statuses.dispose();
  }

  async provide(query: CompletionQuery, signal: AbortSignal): Promise<CompletionAnswer | undefined> {
    const arrivedAt = this.clock.now();
    const seq = ++this.sequence;
    const settings = this.deps.settings();
    if (!settings.enabled || this.disposed) return undefined;

    const window = buildPromptWindow(query.text, query.offset, settings);
    const skip = prefilter({
      languageId: query.languageId,
      disabledLanguages: settings.disabledLanguages,
      cursorCount: query.cursorCount,
      documentLength: query.text.length,
      lineSuffix: window.lineSuffix,
      sample: window.prefix + window.suffix,
    });
    if (skip) {
      this.emit({ type: 'skipped', reason: skip });
      return undefined;
    }
    const key: CacheKey = { document: query.document, prefix: window.prefix, suffix: window.suffix };
    const answer = (text: string, source: CompletionAnswer['source'], stats?: GenerationStats): CompletionAnswer => {
      const result = { text, source, latencyMs: this.clock.now() - arrivedAt, stats };
      this.emit({ type: 'answered', answer: result });
      return result;
    };

    const cached = this.cache.get(key);
    if (cached !== undefined) return answer(cached, 'cache');

    // A run already generating what the user is typing answers this query too.
    const running = this.inflight;
    if (running && !running.generation.done && running.generation.covers(key)) {
      const outcome = await this.await(running, signal);
      if (outcome === undefined || seq !== this.sequence) return undefined;
      const rest = this.cache.get(key);
      if (rest !== undefined) return answer(rest, 'inflight', outcome.stats);
      // It went another way than the user typed, or ended where the user is now: run again.
    } else if (running && !running.generation.done) {
      // Its output cannot match the document any more.
      running.generation.abort();
    }

    this.debouncing?.abort();
    const debounce = new AbortController();
    this.debouncing = debounce;
    // Measured from the keystroke: time spent waiting on a run that did not match counts.
    const quiet = query.manual ? 0 : Math.max(0, settings.debounceMs - (this.clock.now() - arrivedAt));
    const waited = await delay(this.clock, quiet, AbortSignal.any([signal, debounce.signal]));
    if (!waited || seq !== this.sequence || this.disposed) return undefined;

    const run = await this.start(window, key, settings, seq);
    if (run === undefined) return undefined;
    const outcome = await this.await(run, signal);
    if (outcome === undefined || seq !== this.sequence) return undefined;
    const text = this.cache.get(key);
    return text === undefined ? undefined : answer(text, 'model', outcome.stats);
  }

  /**
   * Starts a run once the previous one has ended, unless query `seq` was superseded meanwhile.
   * The run's suggestion goes into the cache before its `settled` promise resolves.
   */
  private async start(window: PromptWindow, key: CacheKey, settings: CompletionSettings, seq: number): Promise<Run | undefined> {
    const previous = this.inflight;
    if (previous && !previous.generation.done) {
      previous.generation.abort();
      await previous.settled;
    }
    if (seq !== this.sequence || this.disposed) return undefined;
    const model = await this.deps.modelInfo();
    if (seq !== this.sequence || this.disposed) return undefined;
    const prompt: CompletionPrompt = buildCompletionPrompt(completionFormatFor(model), window);
    const generation = new InflightGeneration({
      engine: this.deps.engine,
      request: {
        kind: 'completion',
        prompt: prompt.prompt,
        maxNewTokens: settings.maxTokens,
        sampling: { greedy: true },
        stop: prompt.stop,
        suppressThinking: true,
        splitReasoning: false,
        timeBudgetMs: settings.timeBudgetMs,
        slot: 'completion',
      },
      key,
      linePrefix: window.linePrefix,
      multiline: prompt.multiline,
      clock: this.clock,
      // Long enough for the next keystroke's request to arrive and adopt the run.
      graceMs: Math.max(settings.debounceMs, MIN_GRACE_MS),
    });
    this.emit({ type: 'running', running: true });
    const settled = generation.result.then((outcome) => {
      this.emit({ type: 'running', running: false });
      if (outcome.finishReason === 'error') {
        this.emit({ type: 'error', error: outcome.error });
      } else {
        const suggestion = postprocess({ text: outcome.text, window, multiline: prompt.multiline, complete: outcome.complete });
        if (suggestion !== undefined) this.cache.set(key, suggestion);
      }
      return outcome;
    });
    const run = { generation, settled };
    this.inflight = run;
    return run;
  }

  /** Waits for a run's outcome with interest registered, or undefined if `signal` aborts first. */
  private async await(run: Run, signal: AbortSignal): Promise<GenerationOutcome | undefined> {
    const release = run.generation.attach();
    try {
      return await raceAbort(run.settled, signal);
    } finally {
      release();
    }
  }

  private emit(status: CompletionStatus): void {
    this.statuses.fire(status);
  }
}
