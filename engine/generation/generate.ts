// The decode loop: prompt → prefix reuse → choose a token → show its text → feed it back, until a
// stopping rule fires. What a token means and when to stop is decided up front (generationPlan.ts);
// speculative drafts are checked by draftVerifier.ts; the KV slot stays pinned in the prefix cache
// from the first step until the result is out, however the generation ends.
import { DraftVerifier } from './draftVerifier';
import { planGeneration, type GenerationContext, type GenerationPlan } from './generationPlan';
import { applyProcessors } from './logitsProcessors';
import type { PreparedPrompt } from './prefixCache';
import type { FinishReason, GenerationEvent, GenerationRequest } from '../types';

export type { GenerationContext } from './generationPlan';

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Generates a continuation of `prompt` (token ids) as an async stream of events: text deltas by
 * channel, then exactly one `done` with the finish reason, token ids and timings. Cancelling
 * `signal` ends the stream with finish reason `aborted` after at most one more model step.
 */
export async function* generate(ctx: GenerationContext, prompt: readonly number[], request: GenerationRequest, signal?: AbortSignal): AsyncGenerator<GenerationEvent> {
  const startedAt = performance.now();
  const plan = planGeneration(ctx, prompt, request, signal);
  const release = ctx.prefixCache.pin(request.slot ?? request.kind);
  try {
    yield* decode(ctx, prompt, request.slot ?? request.kind, plan, startedAt, release, signal);
  } finally {
    release();
  }
}

async function* decode(
  ctx: GenerationContext,
  prompt: readonly number[],
  slot: string,
  plan: GenerationPlan,
  startedAt: number,
  release: () => void,
  signal: AbortSignal | undefined,
): AsyncGenerator<GenerationEvent> {
  const { stopping, text } = plan;
  const prepared = await prefill(ctx, slot, prompt, signal);
  const prefillEnd = performance.now();
  const progress = new Progress(plan);
  const verifier = prepared && new DraftVerifier(prepared.generator, plan.lookup);
  let finish: FinishReason | undefined = prepared ? undefined : 'aborted';
  let logits = prepared?.logits;
  while (prepared && verifier && logits && finish === undefined) {
    finish = stopping.beforeStep(progress.generated.length);
    if (finish) break;
    const choice = progress.choose(logits, prepared.generator.tokens);
    progress.record(choice.ids, choice.forced);
    if (choice.eos) {
      finish = 'eos';
      break;
    }
    yield* text.take();
    if (text.stopped) finish = 'stop';
    // Do not pay for a forward pass whose logits nobody will read.
    finish ??= stopping.beforeStep(progress.generated.length);
    if (finish) break;
    const room = (held: number) => Math.min(ctx.contextLength - held, stopping.remaining(progress.generated.length) - 1);
    const next = await verifier.next(choice.ids, room);
    logits = next.logits;
    // session.run blocks this thread; let cancellation messages in between steps.
    if (next.ranModel) await yieldToEventLoop();
  }
  text.finish();
  yield* text.take();
  // The slot is free as soon as the result is out, even if the consumer never pulls past it.
  release();
  yield doneEvent(ctx, prompt, plan, progress, finish ?? 'length', { prepared, startedAt, prefillEnd, draftsAccepted: verifier?.accepted ?? 0 });
}

/** The slot's generator holding the prompt, or undefined when the caller cancelled during prefill. */
async function prefill(ctx: GenerationContext, slot: string, prompt: readonly number[], signal: AbortSignal | undefined): Promise<PreparedPrompt | undefined> {
  try {
    return await ctx.prefixCache.prepare(slot, prompt, signal);
  } catch (err) {
    if (!signal?.aborted) throw err;
    return undefined;
  }
}

/** Tokens generated so far, and the choice of the next ones. */
class Progress {
  readonly generated: number[] = [];
  reasoningTokens = 0;
  firstTokenAt: number | undefined;

  constructor(private readonly plan: GenerationPlan) {}

  /** `</think>` forced when the reasoning budget ran out, else one sampled token. */
  choose(logits: Float32Array, held: readonly number[]): { ids: readonly number[]; forced: boolean; eos: boolean } {
    const { splitter, budget, processors, sampler, stopping } = this.plan;
    const forced = splitter && budget?.check(this.reasoningTokens, splitter.inReasoning);
    if (forced) return { ids: forced, forced: true, eos: false };
    applyProcessors(processors, logits, held);
    const id = sampler.sample(logits);
    this.firstTokenAt ??= performance.now();
    return { ids: [id], forced: false, eos: stopping.afterToken(id) !== undefined };
  }

  record(ids: readonly number[], forced: boolean): void {
    const { splitter, text } = this.plan;
    for (const id of ids) {
      // A reasoning token is one that leaves the trace still open: `</think>` itself does not count.
      const wasReasoning = splitter?.inReasoning === true;
      this.generated.push(id);
      text.push(id);
      if (!forced && wasReasoning && splitter?.inReasoning) this.reasoningTokens++;
    }
  }
}

interface Timings {
  prepared: PreparedPrompt | undefined;
  startedAt: number;
  prefillEnd: number;
  draftsAccepted: number;
}

function doneEvent(ctx: GenerationContext, prompt: readonly number[], plan: GenerationPlan, progress: Progress, finishReason: FinishReason, t: Timings): GenerationEvent {
  const end = performance.now();
  const { generated, firstTokenAt } = progress;
  const decodeTokens = Math.max(0, generated.length - 1);
  return {
    type: 'done',
    finishReason,
    reasoningUnterminated: plan.splitter?.reasoningUnterminated ?? false,
    reasoningBudgetForced: plan.budget?.forced ?? false,
    tokenIds: generated,
    stats: {
      promptTokens: prompt.length,
      prefilledTokens: t.prepared?.prefilledTokens ?? 0,
      reusedTokens: t.prepared?.reusedTokens ?? 0,
      generatedTokens: generated.length,
      reasoningTokens: progress.reasoningTokens,
      draftTokensAccepted: t.draftsAccepted,
      ttftMs: (firstTokenAt ?? end) - t.startedAt,
      prefillTokPerS: t.prepared ? t.prepared.prefilledTokens / Math.max(1e-3, (t.prefillEnd - t.startedAt) / 1000) : 0,
      decodeTokPerS: firstTokenAt !== undefined && decodeTokens > 0 ? decodeTokens / Math.max(1e-3, (end - firstTokenAt) / 1000) : 0,
      totalMs: end - t.startedAt,
      executionProvider: ctx.executionProvider,
    },
  };
}
