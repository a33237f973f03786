// The engine's public vocabulary, shared by the engine, the engine host, the CLI and (as types)
// the extension. Type-only: no runtime code lives here.

/** Execution providers a user can ask for. `auto` picks the best one the platform bundles. */
export type ExecutionProviderName = 'auto' | 'cpu' | 'cuda' | 'dml' | 'coreml' | 'webgpu';

/** The two public ONNX export families of the R1 distills, detected from files and session I/O names. */
export type ExportStyle = 'optimum' | 'genai';

export interface LoadOptions {
  /** A model folder laid out like its Hugging Face repository. */
  modelPath: string;
  executionProvider?: ExecutionProviderName;
  /** Intra-op threads; default: physical cores minus one, at least 1. */
  threads?: number;
}

export interface ModelInfo {
  modelPath: string;
  style: ExportStyle;
  /** The .onnx file that was loaded, relative to the model folder. */
  onnxFile: string;
  /** The provider the session actually runs on. */
  executionProvider: Exclude<ExecutionProviderName, 'auto'>;
  requestedProvider: ExecutionProviderName;
  /** Why the requested provider was not used, when it was not. */
  fallbackReason?: string;
  threads: number;
  vocabSize: number;
  contextLength: number;
  kvDtype: 'float32' | 'float16';
  numLayers: number;
  loadMs: number;
  /** The model's name as its config files state it (config.json `_name_or_path`, tokenizer_config.json `name_or_path`), when they do. */
  modelName?: string;
  /** Fill-in-the-middle marker tokens, when the tokenizer declares all three as added tokens. */
  fimTokens?: { prefix: string; suffix: string; middle: string };
  /** Which graph runs and how the KV cache is fed: what the log, the status bar and `--json` report. */
  runtime: RuntimePath;
  /** How the CPU provider holds its pre-packed weights; absent on other providers. */
  weights?: WeightsPath;
  /** What the load-time graph rewrite changed; absent when the engine ran the graph as exported. */
  graphRewrite?: {
    /** 'rows'/'capacity': the KV past is fed as zero-copy views and only new rows come back. */
    kvOrder: 'heads' | 'rows' | 'capacity';
    lastLogitsOnly: boolean;
    /** MatMulNBits nodes raised to accuracy_level 4. */
    accuracyLevelRaised: number;
    /** Token embeddings are read from the model file per token instead of held in memory. */
    embeddingsFromFile: boolean;
    /** Parts left as exported, and why. */
    skipped: string[];
  };
}

/**
 * The path a loaded model runs on. 'rewritten' + 'in-place' is the fast path: the KV cache is read
 * where it lies and never handed back per step. 'as-exported' runs the downloaded graph unchanged
 * (the rewrite was off, failed, or onnxruntime refused its result), with the cache fetched every step.
 */
export interface RuntimePath {
  graph: 'rewritten' | 'as-exported';
  kvCache: 'in-place' | 'fetched';
  /** Why not rewritten / in-place; absent on the fast path. */
  reason?: string;
}

/**
 * 'mapped': the weights onnxruntime packs for this CPU are mapped from a file an earlier load saved
 * (no repacking; the pages are shared by every process that maps them). 'saved': this load packed
 * them on the heap, saved that file and checked that a session mapping it computes the same; later
 * loads map it. 'heap': packed on the heap at each load (`reason` says why: saving is impossible, or
 * onnxruntime maps this model's packed layout wrongly).
 */
export interface WeightsPath {
  mode: 'mapped' | 'saved' | 'heap';
  reason?: string;
}

export interface SamplingOptions {
  /** Greedy (argmax) decoding; the other fields are ignored when true. */
  greedy?: boolean;
  temperature?: number;
  topK?: number;
  topP?: number;
  repetitionPenalty?: number;
  /** Seed of the sampler's RNG: same seed, same output. */
  seed?: number;
}

export interface ChatMessage {
  role: 'user' | 'assistant';
  content: string;
}

/**
 * What to feed the model: raw text (no template), a chat (the model's own template), token ids, or
 * the two sides of a cursor (`infill`): each backend builds that prompt its own way (the local
 * engine from the model's fill-in-the-middle tokens, else a continuation of `prefix`; a server
 * through its `suffix` parameter or a FIM prompt).
 */
export type PromptInput =
  | { type: 'text'; text: string }
  | { type: 'infill'; prefix: string; suffix: string }
  | { type: 'chat'; messages: ChatMessage[] }
  | { type: 'ids'; ids: number[] };

/** Who asked: decides scheduling priority and which KV-cache slot is reused. */
export type RequestKind = 'completion' | 'chat' | 'explain';

export interface GenerationRequest {
  kind: RequestKind;
  prompt: PromptInput;
  maxNewTokens: number;
  sampling?: SamplingOptions;
  /** Generation stops when the text produced contains any of these (the stop string is not emitted). */
  stop?: string[];
  /** Chat: once this many reasoning tokens were produced, `</think>` is forced and the answer follows. */
  maxReasoningTokens?: number;
  /** Completion: mask `<think>`, `</think>` and chat-role tokens out of the logits. */
  suppressThinking?: boolean;
  /** Stop (finish reason `time`) when generation has run this long; the text so far is kept. */
  timeBudgetMs?: number;
  /**
   * Stop (finish reason `time`) when this long has passed since the first generated token. The
   * prefill is not counted, so a cold prompt still yields at least one token however slow it is.
   */
  decodeTimeBudgetMs?: number;
  /** KV-cache slot whose cached prefix may be reused; defaults to the request kind. */
  slot?: string;
  /** Split output into reasoning and answer channels (default: true for chat prompts). */
  splitReasoning?: boolean;
  /** Keep generating past eos ids until another rule stops (benchmarks on random weights need exactly N tokens). */
  ignoreEos?: boolean;
  /**
   * Prompt-lookup speculative decoding: draft tokens that repeat the context, verified in one
   * batched pass; the output is identical either way. Default: on for completion and explain.
   */
  promptLookup?: boolean;
}

export type FinishReason = 'eos' | 'stop' | 'length' | 'aborted' | 'time';

export interface GenerationStats {
  promptTokens: number;
  /** Prompt tokens actually run through the model (the rest came from the reused KV cache). */
  prefilledTokens: number;
  reusedTokens: number;
  generatedTokens: number;
  reasoningTokens: number;
  /** Generated tokens that came from verified prompt-lookup drafts. */
  draftTokensAccepted?: number;
  ttftMs: number;
  prefillTokPerS: number;
  decodeTokPerS: number;
  totalMs: number;
  executionProvider: string;
}

export type GenerationEvent =
  | { type: 'delta'; channel: 'reasoning' | 'answer'; text: string; tokenIds: number[] }
  | {
      type: 'done';
      finishReason: FinishReason;
      /** The model stopped (eos/length/abort) while still inside `<think>`. */
      reasoningUnterminated: boolean;
      /** `</think>` was injected because the reasoning budget ran out. */
      reasoningBudgetForced: boolean;
      /** Generated token ids, in order (prompt excluded). */
      tokenIds: number[];
      stats: GenerationStats;
    };
