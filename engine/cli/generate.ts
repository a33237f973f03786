// `r1-local generate`: one prompt in, one continuation out — streamed as text, or with --json as
// exactly one JSON object (the contract scripts and tests rely on).
import { parseArgs } from 'node:util';
import type { GenerationEvent, GenerationRequest, PromptInput } from '../types';
import { EXIT_INTERRUPTED, EXIT_OK, UsageError, type CliCommand } from './command';
import { openEngine } from './openEngine';
import { intOption, MODEL_OPTIONS, samplingOptions } from './options';
import { dim } from './terminal';

const USAGE = `usage: r1-local generate --model DIR (--prompt TEXT | --prompt-ids 1,2,3) [--chat]
         [--max-new-tokens N] [--greedy | --temperature T --top-p P --top-k K --seed S]
         [--repetition-penalty R] [--max-reasoning-tokens N] [--stop TEXT]...
         [--ep auto|cpu|cuda|dml|coreml|webgpu] [--threads N] [--as-exported] [--json]
  --as-exported: run the graph as downloaded, without the load-time rewrite (its "runtime" says so).`;

const DEFAULT_MAX_NEW_TOKENS = 256;

function parsePromptIds(raw: string): number[] {
  const parts = raw.split(',').map((s) => s.trim());
  const ids = parts.map(Number);
  if (parts.some((p) => p === '') || ids.some((n) => !Number.isInteger(n) || n < 0)) {
    throw new UsageError(`--prompt-ids must be comma-separated non-negative integers, got ${JSON.stringify(raw)}.`);
  }
  return ids;
}

function promptFrom(values: Record<string, string | boolean | string[] | undefined>): PromptInput {
  const text = values.prompt as string | undefined;
  const ids = values['prompt-ids'] as string | undefined;
  if ((text === undefined) === (ids === undefined)) throw new UsageError('Give exactly one of --prompt or --prompt-ids.');
  if (ids !== undefined) {
    if (values.chat) throw new UsageError('--chat needs --prompt text, not --prompt-ids.');
    return { type: 'ids', ids: parsePromptIds(ids) };
  }
  return values.chat ? { type: 'chat', messages: [{ role: 'user', content: text as string }] } : { type: 'text', text: text as string };
}

async function run(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        ...MODEL_OPTIONS,
        prompt: { type: 'string' },
        'prompt-ids': { type: 'string' },
        chat: { type: 'boolean', default: false },
        'max-reasoning-tokens': { type: 'string' },
        stop: { type: 'string', multiple: true },
        json: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values } = parsed;
  const request: GenerationRequest = {
    kind: values.chat ? 'chat' : 'completion',
    prompt: promptFrom(values),
    maxNewTokens: intOption(values, 'max-new-tokens', 1) ?? DEFAULT_MAX_NEW_TOKENS,
    sampling: samplingOptions(values),
    stop: values.stop,
    maxReasoningTokens: intOption(values, 'max-reasoning-tokens', 0),
  };

  const engine = await openEngine(values, values.json);
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.on('SIGINT', onSigint);
  try {
    const text = { reasoning: '', answer: '' };
    let done: Extract<GenerationEvent, { type: 'done' }> | undefined;
    for await (const event of engine.generate(request, controller.signal)) {
      if (event.type === 'done') {
        done = event;
        break;
      }
      text[event.channel] += event.text;
      if (!values.json) process.stdout.write(event.channel === 'reasoning' ? dim(event.text) : event.text);
    }
    if (!done) throw new Error('The generation ended without a result.');
    const { stats } = done;
    const timings = { loadMs: engine.info.loadMs, ttftMs: stats.ttftMs, prefillTokPerS: stats.prefillTokPerS, decodeTokPerS: stats.decodeTokPerS, totalMs: stats.totalMs };
    if (values.json) {
      const result = {
        tokenIds: done.tokenIds,
        text: engine.tokenizer.decode(done.tokenIds, { skipSpecialTokens: true }),
        reasoning: text.reasoning,
        answer: text.answer,
        promptTokens: stats.promptTokens,
        generatedTokens: stats.generatedTokens,
        finishReason: done.finishReason,
        ep: engine.info.executionProvider,
        runtime: engine.info.runtime,
        timings,
      };
      process.stdout.write(`${JSON.stringify(result)}\n`);
    } else {
      process.stdout.write('\n');
      process.stderr.write(
        `${stats.generatedTokens} tokens (${done.finishReason}) on ${stats.executionProvider}: ` +
          `prefill ${stats.prefillTokPerS.toFixed(1)} tok/s, decode ${stats.decodeTokPerS.toFixed(1)} tok/s, first token ${stats.ttftMs.toFixed(0)} ms\n`,
      );
    }
    return done.finishReason === 'aborted' ? EXIT_INTERRUPTED : EXIT_OK;
  } finally {
    process.off('SIGINT', onSigint);
    await engine.dispose();
  }
}

export const command: CliCommand = { summary: 'generate a continuation of a prompt (text, chat or token ids)', usage: USAGE, run };
