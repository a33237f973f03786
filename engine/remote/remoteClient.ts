// A remote server as a GenerationStream: the same delta/done events the local engine yields, from
// vLLM, llama-server, SGLang, Ollama or `r1-local serve`. The protocol adapters (openaiBackend.ts,
// ollamaBackend.ts) speak the wire; this file decides what to ask (chat or completion, suffix or
// FIM prompt, which model), routes text to channels, enforces the reasoning budget where the
// server has no knob, and ends every request with one `done` or one RemoteError.
//
// Budget enforcement without a server knob: reasoning is counted in streamed chunks (a server sends
// one token per chunk unless told to batch, so the count never runs ahead of the server's own
// tokens: a server that enforces the budget itself closes the trace first). At the budget the
// request is aborted (the connection closes, so the server stops generating) and a follow-up asks
// for the answer: the conversation plus an assistant message `<think>\n…\n</think>\n\n` to be
// continued (vLLM's `continue_final_message`; llama-server, Ollama and `r1-local serve` continue a
// final assistant message by themselves). Everything the follow-up streams is answer text, also
// what a reasoning parser files as reasoning (it cannot see the `</think>` in the prompt).
import type { GenerationEvent, GenerationRequest, GenerationStats, FinishReason } from '../types';
import type { ChannelText } from '../generation/reasoningSplitter';
import { REASONING_CLOSE_TEXT } from '../generation/reasoningBudget';
import { RemoteError } from './remoteError';
import type { RemoteEndpointConfig, RemoteGenerator } from './remoteTypes';
import { brokeOff } from './httpFailure';
import { ChannelRouter } from './reasoningChannels';
import { fimPrompt } from './fimPrompt';
import { createOpenAIBackend } from './openaiBackend';
import { createOllamaBackend } from './ollamaBackend';
import { StallGuard } from './stallGuard';
import type { WireBackend, WireChunk, WireMessage, WireSampling } from './wire';

export function createRemoteGenerator(config: RemoteEndpointConfig): RemoteGenerator {
  const backend = config.api === 'ollama' ? createOllamaBackend(config) : createOpenAIBackend(config);
  return new RemoteClient(config, backend);
}

/** What one request to the server came to. */
interface Attempt {
  finishReason?: string;
  stoppedByString?: boolean;
  /** Stopped on purpose at the reasoning budget. */
  budgetHit: boolean;
  aborted: boolean;
}

/** Counts across the requests of one generation (a budget follow-up is a second request). */
class RunStats {
  readonly startedAt = performance.now();
  firstTextAt: number | undefined;
  promptTokens: number | undefined;
  generated = 0;
  reasoningTokens = 0;
  /** Chunks with text in the current request, and its `usage`. */
  pieces = 0;
  completionTokens: number | undefined;

  beginRequest(): void {
    this.pieces = 0;
    this.completionTokens = undefined;
  }

  endRequest(): void {
    this.generated += this.completionTokens ?? this.pieces;
  }

  toStats(executionProvider: string): GenerationStats {
    const totalMs = performance.now() - this.startedAt;
    const ttftMs = this.firstTextAt === undefined ? totalMs : this.firstTextAt - this.startedAt;
    const promptTokens = this.promptTokens ?? 0;
    const decodeMs = totalMs - ttftMs;
    return {
      promptTokens,
      prefilledTokens: promptTokens,
      reusedTokens: 0,
      generatedTokens: this.generated,
      reasoningTokens: this.reasoningTokens,
      ttftMs,
      prefillTokPerS: ttftMs > 0 ? (promptTokens * 1000) / ttftMs : 0,
      decodeTokPerS: decodeMs > 0 && this.generated > 1 ? ((this.generated - 1) * 1000) / decodeMs : 0,
      totalMs,
      executionProvider,
    };
  }
}

class RemoteClient implements RemoteGenerator {
  readonly backendName;
  private firstModel: Promise<string> | undefined;
  /** FIM `auto`: the server refused `suffix` once, so completions use the FIM prompt from now on. */
  private suffixRefused = false;

  constructor(
    private readonly config: RemoteEndpointConfig,
    private readonly backend: WireBackend,
  ) {
    this.backendName = backend.name;
  }

  listModels(signal?: AbortSignal): Promise<string[]> {
    return this.backend.listModels(signal);
  }

  generate(request: GenerationRequest, signal: AbortSignal): AsyncIterable<GenerationEvent> {
    return this.run(request, signal);
  }

  private async *run(request: GenerationRequest, signal: AbortSignal): AsyncGenerator<GenerationEvent> {
    const stats = new RunStats();
    const prompt = request.prompt;
    if (prompt.type === 'ids') throw new RemoteError({ code: 'bad_request', message: 'A server cannot be sent token ids: send text, an infill or a chat.' });
    if (signal.aborted) {
      yield this.done(stats, 'aborted', false, false);
      return;
    }
    const sampling = wireSampling(request);

    if (prompt.type === 'chat') {
      const model = await this.model(this.config.chatModel, signal);
      const messages: WireMessage[] = prompt.messages.map((m) => ({ role: m.role, content: m.content }));
      const split = request.splitReasoning ?? true;
      const router = new ChannelRouter(split ? 'chat' : 'answer', true);
      const budget = split ? request.maxReasoningTokens : undefined;
      let reasoning = '';
      const first = yield* this.attempt(
        (guard) => this.backend.chat({ model, messages, ...sampling, maxReasoningTokens: request.maxReasoningTokens }, guard),
        router,
        stats,
        signal,
        model,
        { budget, onReasoning: (text) => (reasoning += text), maxChunks: request.maxNewTokens },
      );
      if (!first.budgetHit) {
        yield this.done(stats, finishReasonOf(first), router.reasoningUnterminated, false);
        return;
      }
      const closed: WireMessage = { role: 'assistant', content: `<think>\n${reasoning}${REASONING_CLOSE_TEXT}` };
      const remaining = Math.max(1, request.maxNewTokens - stats.generated);
      const answer = new ChannelRouter('answer', true);
      const second = yield* this.attempt(
        (guard) => this.backend.chat({ model, messages: [...messages, closed], ...sampling, maxTokens: remaining, continueFinal: true }, guard),
        answer,
        stats,
        signal,
        model,
        { maxChunks: remaining },
      );
      yield this.done(stats, finishReasonOf(second), false, true);
      return;
    }

    const model = await this.model(this.config.completionModel || this.config.chatModel, signal);
    const router = new ChannelRouter(request.splitReasoning ? 'chat' : 'answer', false);
    const complete = (text: string, extra: { suffix?: string; raw?: boolean } = {}) => (guard: StallGuard) => this.backend.complete({ model, prompt: text, ...extra, ...sampling }, guard);
    let send = complete(prompt.type === 'text' ? prompt.text : prompt.prefix);
    if (prompt.type === 'infill') {
      const fim = this.config.fim === 'auto' && this.suffixRefused ? 'prompt' : this.config.fim;
      // `raw`: Ollama's /api/generate would otherwise wrap the FIM prompt in the model's template.
      if (fim === 'prompt') send = complete(fimPrompt(prompt.prefix, prompt.suffix), { raw: true });
      else if (fim === 'suffix' || fim === 'auto') send = complete(prompt.prefix, { suffix: prompt.suffix });
      if (fim === 'auto') {
        let result: Attempt;
        try {
          result = yield* this.attempt(send, router, stats, signal, model, { maxChunks: request.maxNewTokens });
        } catch (err) {
          // vLLM answers 400 to `suffix`: build the prompt here, now and for every later completion.
          if (!(err instanceof RemoteError && err.code === 'bad_request') || stats.firstTextAt !== undefined) throw err;
          this.suffixRefused = true;
          result = yield* this.attempt(complete(fimPrompt(prompt.prefix, prompt.suffix), { raw: true }), router, stats, signal, model, { maxChunks: request.maxNewTokens });
        }
        yield this.done(stats, finishReasonOf(result), router.reasoningUnterminated, false);
        return;
      }
    }
    const result = yield* this.attempt(send, router, stats, signal, model, { maxChunks: request.maxNewTokens });
    yield this.done(stats, finishReasonOf(result), router.reasoningUnterminated, false);
  }

  /**
   * One request: streams its text as delta events. Returns how it ended; throws a RemoteError when
   * it failed, after yielding what the router still held (the partial answer).
   */
  private async *attempt(
    open: (guard: StallGuard) => AsyncIterable<WireChunk>,
    router: ChannelRouter,
    stats: RunStats,
    signal: AbortSignal,
    model: string,
    budget: { budget?: number; onReasoning?: (text: string) => void; maxChunks: number },
  ): AsyncGenerator<GenerationEvent, Attempt> {
    const guard = new StallGuard(signal, this.config.firstByteTimeoutMs);
    const result: Attempt = { budgetHit: false, aborted: false };
    let textChunks = 0;
    stats.beginRequest();
    try {
      for await (const chunk of open(guard)) {
        if (chunk.reasoning || chunk.content) {
          // A chunk carries at least one token: past maxNewTokens chunks the server is ignoring
          // max_tokens (or was not sent it). Stop here and close the connection, as at the budget.
          if (++textChunks > budget.maxChunks) {
            result.finishReason = 'length';
            result.stoppedByString = false;
            guard.abort();
            break;
          }
        }
        if (chunk.usage) {
          if (chunk.usage.promptTokens !== undefined) stats.promptTokens ??= chunk.usage.promptTokens;
          if (chunk.usage.completionTokens !== undefined) stats.completionTokens = chunk.usage.completionTokens;
        }
        if (chunk.finishReason !== undefined) {
          result.finishReason = chunk.finishReason;
          result.stoppedByString = chunk.stoppedByString;
        }
        const pieces = router.push(chunk);
        if (pieces.length === 0) continue;
        const thinking = pieces.some((p) => p.channel === 'reasoning');
        const answering = pieces.some((p) => p.channel === 'answer');
        if (thinking && !answering && budget.budget !== undefined && stats.reasoningTokens >= budget.budget) {
          // Budget spent and still thinking: close the connection so the server stops, too.
          result.budgetHit = true;
          guard.abort();
          break;
        }
        stats.pieces++;
        if (thinking) stats.reasoningTokens++;
        stats.firstTextAt ??= performance.now();
        yield* deltas(pieces, budget.onReasoning);
      }
    } catch (err) {
      if (signal.aborted && !(err instanceof RemoteError && err.code === 'incomplete')) {
        result.aborted = true;
        return this.ended(result, stats);
      }
      // The finish reason came, then the connection broke before `[DONE]`: the answer is whole.
      if (result.finishReason !== undefined && err instanceof RemoteError && err.code === 'incomplete') return this.ended(result, stats);
      yield* deltas(router.finish());
      if (err instanceof RemoteError && err.code === 'model_not_found') throw await this.withModels(err, model, signal);
      throw err;
    } finally {
      guard.dispose();
    }
    if (result.budgetHit) return this.ended(result, stats);
    if (signal.aborted) {
      result.aborted = true;
      yield* deltas(router.finish());
      return this.ended(result, stats);
    }
    yield* deltas(router.finish());
    if (result.finishReason === undefined) {
      throw brokeOff(this.backend.where, 'ended the stream without a finish reason; the answer is partial');
    }
    return this.ended(result, stats);
  }

  private ended(result: Attempt, stats: RunStats): Attempt {
    stats.endRequest();
    return result;
  }

  private done(stats: RunStats, finishReason: FinishReason, reasoningUnterminated: boolean, reasoningBudgetForced: boolean): GenerationEvent {
    return { type: 'done', finishReason, reasoningUnterminated, reasoningBudgetForced, tokenIds: [], stats: stats.toStats(this.backend.name) };
  }

  /** The configured model, or '' → the first the server lists (asked once). */
  private async model(name: string, signal: AbortSignal): Promise<string> {
    if (name) return name;
    this.firstModel ??= this.backend.listModels(signal).then((models) => {
      if (models.length === 0) throw new RemoteError({ code: 'model_not_found', message: `${this.backend.where} offers no models.`, availableModels: [] });
      return models[0]!;
    });
    try {
      return await this.firstModel;
    } catch (err) {
      this.firstModel = undefined; // ask again next time
      throw err;
    }
  }

  /** A 404 names what the server does offer, when it says. */
  private async withModels(err: RemoteError, model: string, signal: AbortSignal): Promise<RemoteError> {
    const models = await this.backend.listModels(signal).catch(() => undefined);
    if (!models) return err;
    const offers = models.length > 0 ? ` It offers: ${models.join(', ')}.` : ' It lists no models.';
    return new RemoteError({ ...err.toInfo(), message: `${err.message}${offers}`, availableModels: models }, { cause: err });
  }
}

function* deltas(pieces: ChannelText[], onReasoning?: (text: string) => void): Generator<GenerationEvent> {
  for (const piece of pieces) {
    if (piece.channel === 'reasoning') onReasoning?.(piece.text);
    yield { type: 'delta', channel: piece.channel, text: piece.text, tokenIds: [] };
  }
}

/** OpenAI's `stop` covers both the end-of-sequence token and a stop string; vLLM tells them apart. */
function finishReasonOf(result: Attempt): FinishReason {
  if (result.aborted) return 'aborted';
  switch (result.finishReason) {
    case 'length':
      return 'length';
    case 'stop':
      return result.stoppedByString ? 'stop' : 'eos';
    case 'abort':
    case 'aborted':
      return 'aborted';
    default:
      return 'eos';
  }
}

/** The sampling fields a server reads. Greedy is temperature 0; top-k and repetition penalty are not part of the common API. */
function wireSampling(request: GenerationRequest): WireSampling {
  const s = request.sampling ?? {};
  const out: WireSampling = { maxTokens: request.maxNewTokens };
  if (s.greedy) out.temperature = 0;
  else {
    if (s.temperature !== undefined) out.temperature = s.temperature;
    if (s.topP !== undefined) out.topP = s.topP;
  }
  if (s.seed !== undefined) out.seed = s.seed;
  if (request.stop && request.stop.length > 0) out.stop = [...request.stop];
  return out;
}
