// The completion pipeline, free of VS Code: prefilter → prompt window → cache → in-flight reuse →
// debounce → one model run → post-processing → cache.
//
// Sequencing: every query takes a number; only the newest may start a model run or show a
// result, so a slow answer for an older document state is dropped rather than shown. At most one
// run is in flight: a new run starts only after the previous one was cancelled and has ended.
//
// First use: the model loads on demand, which takes seconds. A query that arrives meanwhile waits
// for the load and is then answered, as VS Code shows the result of a pending request whenever it
// settles; the wait ends at once when the editor cancels the request or a newer query supersedes
// it. Answering empty and re-triggering `editor.action.inlineSuggest.trigger` after the load was
// the alternative: it needs a guess whether the cursor is still "the same place", a second request
// for what the first already asked, and it shows nothing when the guess is wrong; waiting needs
// neither. The load starts with the first query that passes the prefilter, so it overlaps the
// debounce, and its progress is reported as a `loading` status for the status bar.
import type { GenerationStats } from '../../../engine/types';
import { raceAbort } from '../abort';
import type { BackendCapabilities } from '../generationBackend';
import { CompletionCache, type CacheKey } from './completionCache';
import type { CompletionBackend } from './completionBackend';
import type { CompletionSettings } from './completionSettings';
import { delay, systemClock, type Clock } from '../clock';
import { InflightGeneration, type GenerationOutcome } from './inflightGeneration';
import { postprocess } from './postprocess';
import { prefilter, type SkipReason } from './prefilter';
import { buildCompletionPrompt, completionFormatFor, type CompletionPrompt } from './promptFormat';
import { buildPromptWindow, type PromptWindow } from './promptWindow';
import type { TextSource } from './textSource';
import { Emitter } from '../emitter';

type Capabilities = BackendCapabilities | undefined | Promise<BackendCapabilities | undefined>;

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
  /** A query is waiting for the completion model to load (true) or the load has settled (false). */
  | { type: 'loading'; loading: boolean }
  | { type: 'answered'; answer: CompletionAnswer }
  | { type: 'skipped'; reason: SkipReason }
  | { type: 'error'; error: unknown };

export interface CompletionServiceDeps {
  /**
   * Generates, and says what its model can do (which decides the prompt format). Capabilities not
   * known yet are asked for with `prepare()`, which loads the model; a failed load counts as
   * unknown capabilities, and the generation that follows reports the failure with its error code.
   */
  backend: CompletionBackend;
  /** Read on every query, so setting changes apply to the next keystroke. */
  settings: () => CompletionSettings;
  clock?: Clock;
  cacheCapacity?: number;
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
  /** The model load queries are waiting for, shared by all of them. */
  private loadingModel: Promise<BackendCapabilities | undefined> | undefined;
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

    const model = this.requestModel();
    this.debouncing?.abort();
    const debounce = new AbortController();
    this.debouncing = debounce;
    // Measured from the keystroke: time spent waiting on a run that did not match counts.
    const quiet = query.manual ? 0 : Math.max(0, settings.debounceMs - (this.clock.now() - arrivedAt));
    const waited = await delay(this.clock, quiet, AbortSignal.any([signal, debounce.signal]));
    if (!waited || seq !== this.sequence || this.disposed) return undefined;

    const run = await this.start(window, key, settings, seq, model, signal);
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
  private async start(
    window: PromptWindow,
    key: CacheKey,
    settings: CompletionSettings,
    seq: number,
    capabilities: Capabilities,
    signal: AbortSignal,
  ): Promise<Run | undefined> {
    const previous = this.inflight;
    if (previous && !previous.generation.done) {
      previous.generation.abort();
      await previous.settled;
    }
    if (seq !== this.sequence || this.disposed) return undefined;
    // Waiting for a load ends early when the editor cancels; a newer query cancels this one.
    const model = await raceAbort(Promise.resolve(capabilities), signal);
    if (seq !== this.sequence || this.disposed || signal.aborted) return undefined;
    const prompt: CompletionPrompt = buildCompletionPrompt(completionFormatFor(model), window);
    const generation = new InflightGeneration({
      engine: this.deps.backend,
      request: {
        kind: 'completion',
        prompt: prompt.prompt,
        maxNewTokens: settings.maxTokens,
        sampling: { greedy: true },
        stop: prompt.stop,
        suppressThinking: true,
        splitReasoning: false,
        // The budget bounds decoding, not the prefill: on a CPU a cold prompt takes seconds to
        // read (~6 s for 512 tokens of the 1.5B model), and a budget that included it would
        // end every cold request before its first token, showing nothing although the user is
        // still waiting at the cursor. The prefill is bounded instead by the prompt window and
        // by cancellation: a keystroke or cursor move supersedes the request, and the KV cache
        // it filled serves the next one.
        decodeTimeBudgetMs: settings.timeBudgetMs,
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

  /**
   * What the completion model can do, or the load that will tell. A load starts at most once at a
   * time, however many queries ask while it runs.
   */
  private requestModel(): Capabilities {
    if (this.loadingModel) return this.loadingModel;
    const known = this.deps.backend.capabilities;
    if (known) return known;
    const loading = this.deps.backend.prepare().catch(() => undefined);
    this.loadingModel = loading;
    this.emit({ type: 'loading', loading: true });
    void loading.then(() => {
      this.loadingModel = undefined;
      if (!this.disposed) this.emit({ type: 'loading', loading: false });
    });
    return loading;
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
