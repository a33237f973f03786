// `r1-local chat --model DIR "question"`: asks the model one question through its chat template and
// streams the reasoning (dimmed) and then the answer. Ctrl-C stops the generation cleanly (the
// engine checks its signal between steps); a second Ctrl-C exits at once. With `--endpoint URL` the
// question goes to a server instead (remoteAnswer.ts prints it).
import { parseArgs } from 'node:util';
import type { GenerationRequest } from '../types';
import { EXIT_INTERRUPTED, EXIT_OK, UsageError, type CliCommand } from './command';
import { openEngine } from './openEngine';
import { intOption, MODEL_OPTIONS, samplingOptions } from './options';
import { dim } from './terminal';
import { createRemoteGenerator } from '../remote/remoteClient';
import { printRemoteAnswer } from './remoteAnswer';
import { REMOTE_OPTIONS, REMOTE_USAGE, remoteConfig } from './remoteEndpoint';

const USAGE = `usage: r1-local chat --model DIR [--max-new-tokens N] [--max-reasoning-tokens N]
         [--greedy | --temperature T --top-p P --top-k K --seed S] [--ep NAME] [--threads N] [--as-exported] "question"
${REMOTE_USAGE.replace('%s', 'chat')} "question"`;

const DEFAULT_MAX_NEW_TOKENS = 2048;

async function run(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { ...MODEL_OPTIONS, ...REMOTE_OPTIONS, 'max-reasoning-tokens': { type: 'string' } }, strict: true, allowPositionals: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  const question = positionals.join(' ').trim();
  if (question.length === 0) throw new UsageError('Give the question as the last argument.');
  const maxNewTokens = intOption(values, 'max-new-tokens', 1) ?? DEFAULT_MAX_NEW_TOKENS;
  const maxReasoningTokens = intOption(values, 'max-reasoning-tokens', 0);
  const sampling = samplingOptions(values);
  const remote = remoteConfig(values);
  if (remote) {
    const request: GenerationRequest = { kind: 'chat', prompt: { type: 'chat', messages: [{ role: 'user', content: question }] }, maxNewTokens, maxReasoningTokens, sampling };
    return printRemoteAnswer('chat', createRemoteGenerator(remote), request, values.json === true);
  }

  const engine = await openEngine(values, false);
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(EXIT_INTERRUPTED);
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    let channel: 'reasoning' | 'answer' | undefined;
    for await (const event of engine.generate({ kind: 'chat', prompt: { type: 'chat', messages: [{ role: 'user', content: question }] }, maxNewTokens, maxReasoningTokens, sampling }, controller.signal)) {
      if (event.type === 'delta') {
        if (channel === 'reasoning' && event.channel === 'answer') process.stdout.write('\n\n');
        channel = event.channel;
        process.stdout.write(event.channel === 'reasoning' ? dim(event.text) : event.text);
        continue;
      }
      process.stdout.write('\n');
      if (event.finishReason === 'aborted') {
        process.stderr.write('(stopped)\n');
        return EXIT_INTERRUPTED;
      }
      if (event.reasoningUnterminated) process.stderr.write('(the model stopped while still reasoning)\n');
      if (event.finishReason === 'length') process.stderr.write(`(stopped at --max-new-tokens ${maxNewTokens})\n`);
    }
    return EXIT_OK;
  } finally {
    process.off('SIGINT', onSigint);
    await engine.dispose();
  }
}

export const command: CliCommand = { summary: 'ask one question; streams the reasoning (dimmed), then the answer', usage: USAGE, run };
