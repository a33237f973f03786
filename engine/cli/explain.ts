// `r1-local explain FILE[:START-END]`: the editor's Explain Selection in a terminal. The prompt is
// built by the same code (engine/common/explain/), so a file explained here and a selection explained in
// VS Code ask the model the same question. Streams like `chat`: reasoning dimmed, then the answer;
// with `--endpoint URL` a server answers it (remoteAnswer.ts).
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import type { GenerationRequest } from '../types';
import { buildExplainPrompt } from '../common/explain/explainPrompt';
import { explainSourceFor, parseExplainTarget } from '../common/explain/explainTarget';
import { EXIT_INTERRUPTED, EXIT_OK, UsageError, type CliCommand } from './command';
import { openEngine } from './openEngine';
import { intOption, MODEL_OPTIONS, samplingOptions } from './options';
import { dim } from './terminal';
import { createRemoteGenerator } from '../remote/remoteClient';
import { printRemoteAnswer } from './remoteAnswer';
import { REMOTE_OPTIONS, REMOTE_USAGE, remoteConfig } from './remoteEndpoint';

const USAGE = `usage: r1-local explain --model DIR [--max-new-tokens N] [--max-reasoning-tokens N] [--print-prompt]
         [--greedy | --temperature T --top-p P --top-k K --seed S] [--ep NAME] [--threads N] FILE[:START-END]
${REMOTE_USAGE.replace('%s', 'explain')} FILE[:START-END]`;

const DEFAULT_MAX_NEW_TOKENS = 4096;

async function run(args: string[]): Promise<number> {
  let parsed;
  try {
    const options = { ...MODEL_OPTIONS, ...REMOTE_OPTIONS, 'max-reasoning-tokens': { type: 'string' }, 'print-prompt': { type: 'boolean' } } as const;
    parsed = parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new UsageError('Name one FILE, optionally with :START-END (1-based lines).');
  let target;
  try {
    target = parseExplainTarget(positionals[0]!);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const remote = remoteConfig(values);
  const text = await readFile(target.path, 'utf8');
  const { prompt, truncated } = buildExplainPrompt(explainSourceFor(target, relative(process.cwd(), target.path) || target.path, text));
  if (truncated) process.stderr.write('note: the code was cut to fit the prompt; the prompt says which lines are shown\n');
  if (values['print-prompt']) {
    process.stdout.write(`${prompt}\n`);
    return EXIT_OK;
  }

  const maxNewTokens = intOption(values, 'max-new-tokens', 1) ?? DEFAULT_MAX_NEW_TOKENS;
  const maxReasoningTokens = intOption(values, 'max-reasoning-tokens', 0);
  const sampling = samplingOptions(values);
  if (remote) {
    const request: GenerationRequest = { kind: 'explain', prompt: { type: 'chat', messages: [{ role: 'user', content: prompt }] }, maxNewTokens, maxReasoningTokens, sampling };
    return printRemoteAnswer('explain', createRemoteGenerator(remote), request, values.json === true);
  }
  const engine = await openEngine(values, false);
  const controller = new AbortController();
  const onSigint = () => (controller.signal.aborted ? process.exit(EXIT_INTERRUPTED) : controller.abort());
  process.on('SIGINT', onSigint);
  try {
    const request: GenerationRequest = { kind: 'explain', prompt: { type: 'chat', messages: [{ role: 'user', content: prompt }] }, maxNewTokens, maxReasoningTokens, sampling };
    let previous: string | undefined;
    for await (const event of engine.generate(request, controller.signal)) {
      if (event.type === 'done') {
        process.stdout.write('\n');
        return event.finishReason === 'aborted' ? EXIT_INTERRUPTED : EXIT_OK;
      }
      if (previous === 'reasoning' && event.channel === 'answer') process.stdout.write('\n\n');
      previous = event.channel;
      process.stdout.write(event.channel === 'reasoning' ? dim(event.text) : event.text);
    }
    return EXIT_OK;
  } finally {
    process.off('SIGINT', onSigint);
    await engine.dispose();
  }
}

export const command: CliCommand = { summary: 'explain a file or lines of it (FILE[:START-END]), as Explain Selection does', usage: USAGE, run };
