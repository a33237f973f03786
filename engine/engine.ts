// The engine's front door: load a model folder once, then generate. Everything behind it (folder
// checks, provider fallback, KV cache, prefix reuse, sampling, reasoning split) is composed here and
// nowhere else, so the engine host, the CLI and the tests drive the same thing.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generate as generateTokens, type GenerationContext } from './generation/generate';
import type { ForwardModel } from './generation/generator';
import { PrefixCache } from './generation/prefixCache';
import { inspectModelFolder, type ModelFolder } from './model/modelFolder';
import { ModelLoadError } from './model/modelLoadError';
import type { KvCache } from './runtime/kvCache';
import type { ModelRunner } from './runtime/modelRunner';
import { openModelRunner } from './runtime/openRunner';
import { defaultThreadCount } from './runtime/threads';
import { ChatTemplate } from './text/chatTemplate';
import { TextTokenizer, TokenizerLoadError } from './text/tokenizer';
import type { GenerationEvent, GenerationRequest, LoadOptions, ModelInfo, PromptInput } from './types';

export { ModelLoadError } from './model/modelLoadError';

export interface EngineLoadOptions extends LoadOptions {
  /** Prompt tokens per forward pass during prefill (default 128). */
  prefillChunkTokens?: number;
  /** KV-cache slots kept for prefix reuse (default 4). */
  maxCacheSlots?: number;
  /**
   * Rewrite the graph at load (KV past as zero-copy row views, logits for the last position only,
   * MatMulNBits accuracy_level 4), cached next to the model file. Default true; false runs the
   * graph exactly as exported.
   */
  rewriteGraph?: boolean;
  /**
   * On the CPU provider, save the weights onnxruntime packs for this CPU next to the model on the
   * first load and map them on later loads (engine/runtime/prepackedWeights.ts). Default true.
   */
  prepackedWeights?: boolean;
  /**
   * With the rewrite: raise MatMulNBits to accuracy_level 4 (int8 activations, about twice as fast
   * on the CPU). Default true; false keeps the export's own level, so the rewritten graph computes
   * what the export does up to float rounding (equivalence tests on random weights, whose logit
   * gaps are small enough for int8 activations to change a greedy token).
   */
  raiseAccuracyLevel?: boolean;
}

function checkThreads(threads: number | undefined): number {
  if (threads === undefined) return defaultThreadCount();
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads must be a positive integer, got ${threads}.`);
  return threads;
}

async function loadTokenizer(folder: ModelFolder): Promise<TextTokenizer> {
  try {
    return TextTokenizer.fromFolder(folder.root);
  } catch (err) {
    if (err instanceof TokenizerLoadError) throw new ModelLoadError(err.code === 'tokenizer-missing' ? 'not-found' : 'corrupt-file', err.message);
    throw err;
  }
}

/** config.json `_name_or_path` or tokenizer_config.json `name_or_path`, when a folder states one. */
async function modelName(folder: ModelFolder): Promise<string | undefined> {
  for (const [file, key] of [
    ['config.json', '_name_or_path'],
    ['tokenizer_config.json', 'name_or_path'],
  ] as const) {
    try {
      const value = (JSON.parse(await readFile(join(folder.root, file), 'utf8')) as Record<string, unknown>)[key];
      if (typeof value === 'string' && value.length > 0) return value;
    } catch {
      // Absent or unreadable: the name is optional.
    }
  }
  return undefined;
}

function fimTokens(tokenizer: TextTokenizer): ModelInfo['fimTokens'] {
  const [prefix, suffix, middle] = ['<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>'];
  const all = [prefix, suffix, middle].every((t) => tokenizer.addedTokens.has(t));
  return all ? { prefix, suffix, middle } : undefined;
}

/**
 * The runner as the generator sees it, plus what interleaving and disposal need: forward passes run
 * one after another even if two generations are pulled at once, the session is not released while
 * a pass is inside it, and no pass starts afterwards.
 */
class GuardedModel implements ForwardModel {
  private inflight: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly runner: ModelRunner) {}

  newCache(): KvCache {
    return this.runner.newCache();
  }

  forward(tokens: readonly number[], cache: KvCache): Promise<Float32Array> {
    const run = this.inflight.then(() => {
      if (this.closed) throw new Error('The engine was disposed.');
      return this.runner.forward(tokens, cache);
    });
    this.inflight = run.catch(() => undefined);
    return run;
  }

  forwardRows(tokens: readonly number[], cache: KvCache, keep: number): Promise<Float32Array[]> {
    const run = this.inflight.then(() => {
      if (this.closed) throw new Error('The engine was disposed.');
      return this.runner.forwardRows(tokens, cache, keep);
    });
    this.inflight = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.inflight;
    await this.runner.release();
  }
}

export class Engine {
  private disposed = false;
  private readonly lifetime = new AbortController();

  private constructor(
    readonly info: ModelInfo,
    readonly tokenizer: TextTokenizer,
    private readonly chatTemplate: ChatTemplate | undefined,
    private readonly model: GuardedModel,
    private readonly context: GenerationContext,
  ) {}

  /** Loads a model folder. Throws ModelLoadError (with a code) for anything wrong with the folder. */
  static async load(options: EngineLoadOptions): Promise<Engine> {
    const startedAt = performance.now();
    const threads = checkThreads(options.threads);
    const requested = options.executionProvider ?? 'auto';
    const folder = await inspectModelFolder(options.modelPath);
    const tokenizer = await loadTokenizer(folder);
    const chatTemplate = tokenizer.chatTemplate ? ChatTemplate.forTokenizer(tokenizer) : undefined;
    const config = folder.config;
    const { runner, io, graph, runtime, created } = await openModelRunner(folder.onnxPath, config, { rewrite: options.rewriteGraph !== false, raiseAccuracyLevel: options.raiseAccuracyLevel, prepackedWeights: options.prepackedWeights, requested, threads });
    try {
      const info: ModelInfo = {
        modelPath: folder.root,
        // The session's I/O decides how the graph is driven; it wins over what the files suggest.
        style: io.style,
        onnxFile: folder.onnxFile,
        executionProvider: created.provider,
        requestedProvider: requested,
        fallbackReason: created.fallbackReason,
        threads,
        vocabSize: config.vocabSize,
        contextLength: config.contextLength,
        kvDtype: io.kvDtype,
        numLayers: io.numLayers,
        loadMs: performance.now() - startedAt,
        modelName: await modelName(folder),
        fimTokens: fimTokens(tokenizer),
        runtime,
        weights: created.weights,
        graphRewrite: {
          kvOrder: graph.features.kvOrder,
          lastLogitsOnly: graph.features.logitsToKeepInput !== undefined,
          accuracyLevelRaised: graph.features.accuracyLevelRaised,
          embeddingsFromFile: graph.features.embedding !== undefined,
          skipped: graph.features.skipped,
        },
      };
      const model = new GuardedModel(runner);
      const context: GenerationContext = {
        // 128-token chunks: as fast as 512 on 2 cores (measured: 80 tok/s either way for a 512-token
        // prompt) while attention activations over a long past stay 4x smaller (peak RSS -600 MB at 4k).
        prefixCache: new PrefixCache(model, { maxSlots: options.maxCacheSlots, prefillChunkTokens: options.prefillChunkTokens }),
        tokenizer,
        eosTokenIds: config.eosTokenIds,
        contextLength: config.contextLength,
        executionProvider: created.provider,
        defaultSampling: config.recommendedSampling,
      };
      return new Engine(info, tokenizer, chatTemplate, model, context);
    } catch (err) {
      await runner.release();
      throw err;
    }
  }

  /** True while any generation is alive. */
  get busy(): boolean {
    return this.context.prefixCache.busy;
  }

  /** The token ids a prompt becomes: raw text as-is (no bos added), a chat through the model's own template. */
  encodePrompt(prompt: PromptInput): number[] {
    switch (prompt.type) {
      case 'ids':
        if (!Array.isArray(prompt.ids) || prompt.ids.length === 0) throw new RangeError('The prompt has no token ids.');
        return [...prompt.ids];
      case 'text':
        if (typeof prompt.text !== 'string' || prompt.text.length === 0) throw new RangeError('The prompt text is empty.');
        return this.tokenizer.encode(prompt.text);
      case 'infill': {
        if (typeof prompt.prefix !== 'string' || typeof prompt.suffix !== 'string') throw new TypeError('An infill prompt needs a prefix and a suffix.');
        const fim = this.info.fimTokens;
        // A model without FIM tokens was not trained to see past the cursor: continue the prefix.
        const text = fim ? `${fim.prefix}${prompt.prefix}${fim.suffix}${prompt.suffix}${fim.middle}` : prompt.prefix;
        if (text.length === 0) throw new RangeError('The prompt text is empty.');
        return this.tokenizer.encode(text);
      }
      case 'chat': {
        if (!this.chatTemplate) throw new Error('This model has no chat template (chat_template.jinja or tokenizer_config.json chat_template): send text or token ids.');
        return this.tokenizer.encode(this.chatTemplate.render(prompt.messages));
      }
      default:
        throw new TypeError(`Unknown prompt type ${JSON.stringify((prompt as { type?: unknown }).type)}.`);
    }
  }

  /**
   * Streams the continuation of `request.prompt`: `delta` events, then one `done`. Generations in
   * different slots (`request.slot`, default: the request kind) may be interleaved step by step;
   * starting one in a slot that a live generation holds throws SlotBusyError.
   */
  async *generate(request: GenerationRequest, signal?: AbortSignal): AsyncGenerator<GenerationEvent> {
    if (this.disposed) throw new Error('The engine was disposed.');
    const prompt = this.encodePrompt(request.prompt);
    const combined = signal ? AbortSignal.any([signal, this.lifetime.signal]) : this.lifetime.signal;
    // The loop pins the request's slot in the prefix cache (SlotBusyError while another generation
    // holds it) and frees it before `done`, so the consumer may start the next request at once.
    yield* generateTokens(this.context, prompt, request, combined);
  }

  /** Forgets a slot's cached prefix (e.g. the document it belonged to was closed). */
  dropSlot(slot: string): void {
    this.context.prefixCache.drop(slot);
  }

  /** Stops any running generation, releases the KV caches and the onnxruntime session. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.lifetime.abort(new Error('The engine was disposed.'));
    await this.model.close();
    this.context.prefixCache.clear();
  }
}
