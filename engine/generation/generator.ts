// The stateful generator: owns one KV cache and the tokens it holds. Callers append tokens
// (prefill, in chunks), read the logits of the last one, rewind to a shorter prefix, and dispose.
// `generate()` below is the convenient loop on top: prompt → prefix reuse → sample → text events.
import type { KvCache } from '../runtime/kvCache';
import { applyProcessors, repetitionPenalty, thinkGuard, type AddedTokenSource, type LogitsProcessor } from './logitsProcessors';
import { reasoningCloseIds, ReasoningBudget } from './reasoningBudget';
import { ReasoningSplitter, type Channel } from './reasoningSplitter';
import { createSampler } from './sampler';
import { StoppingCriteria } from './stoppingCriteria';
import { StopStringMatcher } from './stopStrings';
import type { PrefixCache } from './prefixCache';
import { PromptLookup } from './promptLookup';
import { StreamingDecoder, type TokenByteSource } from '../text/streamingDecoder';
import type { FinishReason, GenerationEvent, GenerationRequest, SamplingOptions } from '../types';

/** What the generator needs from the model (ModelRunner implements it). */
export interface ForwardModel {
  newCache(): KvCache;
  /** Runs `tokens` after the cache's positions, appends them to it, returns the last position's logits. */
  forward(tokens: readonly number[], cache: KvCache): Promise<Float32Array>;
  /** Like forward(), returning the logits of the last `keep` positions (for verifying a speculative draft). */
  forwardRows?(tokens: readonly number[], cache: KvCache, keep: number): Promise<Float32Array[]>;
}

/**
 * Prompt tokens per forward pass during prefill. Exported graphs return logits for every position
 * (151,936 floats each for R1), so one huge pass would allocate hundreds of MB just for logits.
 */
export const DEFAULT_PREFILL_CHUNK_TOKENS = 128;

export interface AppendOptions {
  chunkTokens?: number;
  /** Checked between chunks: a long prompt can be cancelled before it is fully prefilled. */
  signal?: AbortSignal;
}

export class Generator {
  private readonly cache: KvCache;
  private held: number[] = [];
  private last: Float32Array | undefined;
  private disposed = false;

  constructor(private readonly model: ForwardModel) {
    this.cache = model.newCache();
  }

  /** Tokens whose keys/values are in the cache, in order. */
  get tokens(): readonly number[] {
    return this.held;
  }

  /** Logits after the last appended token; undefined after a rewind until the next append. */
  get logits(): Float32Array | undefined {
    return this.last;
  }

  /** Runs `ids` through the model after the held tokens; returns the logits after the last one. */
  async append(ids: readonly number[], options: AppendOptions = {}): Promise<Float32Array> {
    this.checkAlive();
    if (ids.length === 0) throw new RangeError('append() needs at least one token.');
    const chunk = Math.max(1, Math.floor(options.chunkTokens ?? DEFAULT_PREFILL_CHUNK_TOKENS));
    if (ids.length > 1) this.cache.reserve(this.held.length + ids.length + 1);
    let logits: Float32Array | undefined;
    for (let start = 0; start < ids.length; start += chunk) {
      options.signal?.throwIfAborted();
      const piece = ids.slice(start, start + chunk);
      logits = await this.model.forward(piece, this.cache);
      // Keep tokens and cache in step after every chunk, so an abort leaves a reusable prefix.
      this.held.push(...piece);
      this.last = logits;
    }
    return logits as Float32Array;
  }

  /** True when the model can return several positions' logits from one pass (speculative verification). */
  get canVerify(): boolean {
    return this.model.forwardRows !== undefined;
  }

  /**
   * Runs `ids` in one pass after the held tokens and returns the logits after each of the last
   * `keep` of them, in order: row i follows ids[ids.length - keep + i].
   */
  async appendRows(ids: readonly number[], keep: number): Promise<Float32Array[]> {
    this.checkAlive();
    if (!this.model.forwardRows) throw new Error('This model cannot return logits for several positions.');
    const rows = await this.model.forwardRows(ids, this.cache, keep);
    this.held.push(...ids);
    this.last = rows[rows.length - 1];
    return rows;
  }

  /** One decode step: feeds the chosen token, returns the logits for the next one. */
  step(token: number): Promise<Float32Array> {
    return this.append([token]);
  }

  /** Forgets every token from position `length` on. */
  rewindTo(length: number): void {
    this.checkAlive();
    if (length === this.held.length) return;
    this.cache.truncate(length);
    this.held = this.held.slice(0, length);
    this.last = undefined;
  }

  /** Releases the KV cache; the generator cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.cache.release();
    this.held = [];
    this.last = undefined;
    this.disposed = true;
  }

  private checkAlive(): void {
    if (this.disposed) throw new Error('This generator was disposed.');
  }
}

/** What generate() needs from the tokenizer (TextTokenizer implements it). */
export interface GenerationTokenizer extends TokenByteSource, AddedTokenSource {
  encode(text: string): number[];
  decode(ids: readonly number[]): string;
  tokenId(content: string): number | undefined;
}

export interface GenerationContext {
  prefixCache: PrefixCache;
  tokenizer: GenerationTokenizer;
  /** generation_config.json eos ids. */
  eosTokenIds: readonly number[];
  contextLength: number;
  executionProvider: string;
  /** The model folder's recommended sampling, used for fields a request leaves unset. */
  defaultSampling?: SamplingOptions;
}

function samplingFor(request: GenerationRequest, defaults: SamplingOptions = {}): SamplingOptions {
  const asked = request.sampling ?? {};
  if (asked.greedy) return { greedy: true };
  const merged: SamplingOptions = { ...defaults };
  for (const [key, value] of Object.entries(asked) as [keyof SamplingOptions, never][]) if (value !== undefined) merged[key] = value;
  return merged;
}

function checkRequest(request: GenerationRequest): void {
  if (!Number.isInteger(request.maxNewTokens) || request.maxNewTokens < 1) {
    throw new RangeError(`maxNewTokens must be a positive integer, got ${request.maxNewTokens}.`);
  }
}

/** True when the prompt ends inside an opened `<think>` (R1's generation prompt ends `<think>\n`). */
function promptOpensReasoning(prompt: readonly number[], tokenizer: GenerationTokenizer): boolean {
  const open = tokenizer.tokenId('<think>');
  if (open === undefined) return false;
  const at = prompt.lastIndexOf(open);
  return at >= 0 && tokenizer.decode(prompt.slice(at + 1)).trim() === '';
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Turns each produced token into channel text: streaming UTF-8 decode, reasoning split, then stop
 * strings per channel (a stop string is never shown; text that might start one is held back).
 */
class TextPipeline {
  private readonly decoder: StreamingDecoder;
  private readonly stops: Record<Channel, StopStringMatcher>;
  private pendingIds: number[] = [];
  private out: { channel: Channel; text: string }[] = [];
  stopped = false;

  constructor(
    tokenizer: GenerationTokenizer,
    stop: readonly string[] | undefined,
    readonly splitter: ReasoningSplitter | undefined,
  ) {
    this.decoder = new StreamingDecoder(tokenizer);
    this.stops = { reasoning: new StopStringMatcher(stop), answer: new StopStringMatcher(stop) };
  }

  push(id: number): void {
    this.pendingIds.push(id);
    if (this.stopped) return;
    this.route(this.decoder.push(id), id);
  }

  /** End of output: release whatever is held back (never past a stop string). */
  finish(): void {
    if (!this.stopped) this.route(this.decoder.flush(), undefined);
    const tail = this.splitter ? this.splitter.finish() : [];
    for (const part of tail) this.emit(part.channel, part.text);
    if (!this.stopped) {
      this.show('reasoning', this.stops.reasoning.flush());
      this.show('answer', this.stops.answer.flush());
    }
  }

  /** Delta events for what was produced since the last call; token ids ride on the first one. */
  take(): GenerationEvent[] {
    const events: GenerationEvent[] = this.out.map((p) => ({ type: 'delta', channel: p.channel, text: p.text, tokenIds: [] }));
    if (events.length > 0 && events[0].type === 'delta') {
      events[0].tokenIds = this.pendingIds;
      this.pendingIds = [];
    }
    this.out = [];
    return events;
  }

  private route(text: string, id: number | undefined): void {
    if (!this.splitter) {
      this.emit('answer', text);
      return;
    }
    if (text.length === 0 && id === undefined) return;
    for (const part of this.splitter.push(text, id)) this.emit(part.channel, part.text);
  }

  private emit(channel: Channel, text: string): void {
    if (this.stopped || text.length === 0) return;
    // The trace is over: text the reasoning matcher held back is reasoning, release it first.
    if (channel === 'answer') this.show('reasoning', this.stops.reasoning.flush());
    const checked = this.stops[channel].push(text);
    this.show(channel, checked.text);
    if (checked.stop !== undefined) this.stopped = true;
  }

  private show(channel: Channel, text: string): void {
    if (text.length === 0) return;
    const last = this.out[this.out.length - 1];
    if (last && last.channel === channel) last.text += text;
    else this.out.push({ channel, text });
  }
}

/**
 * Generates a continuation of `prompt` (token ids) as an async stream of events: text deltas by
 * channel, then exactly one `done` with the finish reason, token ids and timings. Cancelling
 * `signal` ends the stream with finish reason `aborted` after at most one more model step.
 */
export async function* generate(
  ctx: GenerationContext,
  prompt: readonly number[],
  request: GenerationRequest,
  signal?: AbortSignal,
): AsyncGenerator<GenerationEvent> {
  const startedAt = performance.now();
  checkRequest(request);
  if (prompt.length >= ctx.contextLength) {
    throw new RangeError(`The prompt has ${prompt.length} tokens but the model's context holds ${ctx.contextLength}: shorten it.`);
  }
  // 1. Everything that decides when to stop and what a token means, before any model work.
  const stopping = new StoppingCriteria({
    eosIds: request.ignoreEos ? [] : ctx.eosTokenIds,
    maxNewTokens: Math.min(request.maxNewTokens, ctx.contextLength - prompt.length),
    timeBudgetMs: request.timeBudgetMs,
    decodeTimeBudgetMs: request.decodeTimeBudgetMs,
    signal,
  });
  const sampling = samplingFor(request, ctx.defaultSampling);
  const sampler = createSampler(sampling);
  const processors: LogitsProcessor[] = [];
  if (!sampling.greedy && sampling.repetitionPenalty !== undefined && sampling.repetitionPenalty !== 1) processors.push(repetitionPenalty(sampling.repetitionPenalty));
  if (request.suppressThinking) processors.push(thinkGuard(ctx.tokenizer));
  const split = request.splitReasoning ?? request.prompt.type === 'chat';
  const splitter = split ? ReasoningSplitter.forTokenizer(ctx.tokenizer, { startInReasoning: promptOpensReasoning(prompt, ctx.tokenizer) }) : undefined;
  const budget = splitter && request.maxReasoningTokens !== undefined ? new ReasoningBudget(request.maxReasoningTokens, reasoningCloseIds(ctx.tokenizer)) : undefined;
  const text = new TextPipeline(ctx.tokenizer, request.stop, splitter);
  // Drafts are verified against the model's own choice from the same logits and RNG state, so the
  // output is the one plain decoding gives; only the number of forward passes changes.
  const lookup = (request.promptLookup ?? request.kind !== 'chat') ? new PromptLookup() : undefined;

  // 2. Prefill what the slot's cache does not already hold. The slot stays pinned (not evicted, not
  // shared) until this generation ends, however it ends.
  const slot = request.slot ?? request.kind;
  const unpin = ctx.prefixCache.pin(slot);
  try {
    yield* decode();
  } finally {
    unpin();
  }

  async function* decode(): AsyncGenerator<GenerationEvent> {
    let finish: FinishReason | undefined;
    let prepared: Awaited<ReturnType<PrefixCache['prepare']>> | undefined;
    try {
      prepared = await ctx.prefixCache.prepare(slot, prompt, signal);
    } catch (err) {
      if (!signal?.aborted) throw err;
      finish = 'aborted';
    }
    const prefillEnd = performance.now();

    // 3. Decode: sample, show, feed back, until a stopping rule fires.
    const generated: number[] = [];
    let reasoningTokens = 0;
    let firstTokenAt: number | undefined;
    let logits = prepared?.logits;
    /** Drafted tokens already run through the model, with the logits that follow each. */
    let pending: { token: number; logits: Float32Array }[] = [];
    let drafted = 0;
    while (prepared && logits && finish === undefined) {
      finish = stopping.beforeStep(generated.length);
      if (finish) break;
      let step: readonly number[];
      const forced = splitter && budget?.check(reasoningTokens, splitter.inReasoning);
      if (forced) {
        step = forced;
      } else {
        applyProcessors(processors, logits, prepared.generator.tokens);
        const id = sampler.sample(logits);
        firstTokenAt ??= performance.now();
        if (stopping.afterToken(id)) {
          generated.push(id);
          text.push(id);
          finish = 'eos';
          break;
        }
        step = [id];
      }
      for (const id of step) {
        // A reasoning token is one that leaves the trace still open: `</think>` itself does not count.
        const wasReasoning = splitter?.inReasoning === true;
        generated.push(id);
        text.push(id);
        if (!forced && wasReasoning && splitter?.inReasoning) reasoningTokens++;
      }
      yield* text.take();
      if (text.stopped) finish = 'stop';
      // Do not pay for a forward pass whose logits nobody will read.
      finish ??= stopping.beforeStep(generated.length);
      if (finish) break;
      const generator = prepared.generator;
      if (pending.length > 0) {
        if (step.length === 1 && step[0] === pending[0].token) {
          // The model chose the drafted token: its successor's logits are already computed.
          logits = pending.shift()!.logits;
          if (pending.length === 0) lookup?.record(drafted, drafted);
          continue;
        }
        lookup?.record(drafted, drafted - pending.length);
        generator.rewindTo(generator.tokens.length - pending.length);
        pending = [];
      }
      const room = Math.min(ctx.contextLength - generator.tokens.length - step.length, stopping.remaining(generated.length) - 1);
      const draft = lookup && generator.canVerify && room > 0 ? lookup.propose([...generator.tokens, ...step], room) : [];
      if (draft.length > 0) {
        const rows = await generator.appendRows([...step, ...draft], draft.length + 1);
        logits = rows[0];
        pending = draft.map((token, i) => ({ token, logits: rows[i + 1] }));
        drafted = draft.length;
      } else {
        logits = await generator.append(step);
      }
      // session.run blocks this thread; let cancellation messages in between steps.
      await yieldToEventLoop();
    }
    text.finish();
    yield* text.take();

    const end = performance.now();
    const decodeTokens = Math.max(0, generated.length - 1);
    // The slot is free as soon as the result is out, even if the consumer never pulls past it.
    unpin();
    yield {
      type: 'done',
      finishReason: finish ?? 'length',
      reasoningUnterminated: splitter?.reasoningUnterminated ?? false,
      reasoningBudgetForced: budget?.forced ?? false,
      tokenIds: generated,
      stats: {
        promptTokens: prompt.length,
        prefilledTokens: prepared?.prefilledTokens ?? 0,
        reusedTokens: prepared?.reusedTokens ?? 0,
        generatedTokens: generated.length,
        reasoningTokens,
        draftTokensAccepted: lookup?.accepted ?? 0,
        ttftMs: (firstTokenAt ?? end) - startedAt,
        prefillTokPerS: prepared ? prepared.prefilledTokens / Math.max(1e-3, (prefillEnd - startedAt) / 1000) : 0,
        decodeTokPerS: firstTokenAt !== undefined && decodeTokens > 0 ? decodeTokens / Math.max(1e-3, (end - firstTokenAt) / 1000) : 0,
        totalMs: end - startedAt,
        executionProvider: ctx.executionProvider,
      },
    };
  }
}
