// Prints one remote answer for chat and explain: streamed like the local model's (reasoning
// dimmed, then the answer), or with --json one object at the end. A stream that broke off keeps
// what arrived and exits with EXIT_INCOMPLETE; any other failure is one line on stderr (the server's
// models after a 404) and EXIT_FAILURE. The API key is never printed: messages do not carry it.
import { isRemoteError } from '../remote/remoteError';
import type { RemoteGenerator } from '../remote/remoteTypes';
import type { GenerationRequest } from '../types';
import { EXIT_FAILURE, EXIT_INCOMPLETE, EXIT_INTERRUPTED, EXIT_OK } from './command';
import { dim } from './terminal';

export interface RemoteAnswerJson {
  reasoning: string;
  answer: string;
  backend: RemoteGenerator['backendName'];
  complete: boolean;
}

export async function printRemoteAnswer(command: string, generator: RemoteGenerator, request: GenerationRequest, json: boolean): Promise<number> {
  const controller = new AbortController();
  const onSigint = () => (controller.signal.aborted ? process.exit(EXIT_INTERRUPTED) : controller.abort());
  process.on('SIGINT', onSigint);
  const out: RemoteAnswerJson = { reasoning: '', answer: '', backend: generator.backendName, complete: false };
  let channel: 'reasoning' | 'answer' | undefined;
  const finishJson = (code: number) => {
    if (json) process.stdout.write(`${JSON.stringify(out)}\n`);
    else if (channel !== undefined) process.stdout.write('\n');
    return code;
  };
  try {
    for await (const event of generator.generate(request, controller.signal)) {
      if (event.type === 'delta') {
        out[event.channel] += event.text;
        if (json) continue;
        if (channel === 'reasoning' && event.channel === 'answer') process.stdout.write('\n\n');
        channel = event.channel;
        process.stdout.write(event.channel === 'reasoning' ? dim(event.text) : event.text);
        continue;
      }
      if (event.finishReason === 'aborted') {
        process.stderr.write('(stopped)\n');
        return finishJson(EXIT_INTERRUPTED);
      }
      out.complete = true;
      if (event.reasoningUnterminated) process.stderr.write('(the model stopped while still reasoning)\n');
      if (event.finishReason === 'length') process.stderr.write(`(stopped at --max-new-tokens ${request.maxNewTokens})\n`);
      return finishJson(EXIT_OK);
    }
    return finishJson(EXIT_INCOMPLETE);
  } catch (err) {
    if (isRemoteError(err) && err.code === 'incomplete') {
      const code = finishJson(EXIT_INCOMPLETE);
      process.stderr.write(`r1-local ${command}: ${err.message} [incomplete]\n`);
      return code;
    }
    if (!json && channel !== undefined) process.stdout.write('\n');
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`r1-local ${command}: ${message}${isRemoteError(err) ? ` [${err.code}]` : ''}\n`);
    return EXIT_FAILURE;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
