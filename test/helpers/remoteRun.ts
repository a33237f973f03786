// Runs one request through a RemoteGenerator and gathers what came out: the text per channel, the
// done event, the error (if any) and the elapsed time, so each test asserts on plain values.
import type { GenerationEvent, GenerationRequest } from '../../engine/types';
import type { RemoteGenerator } from '../../engine/remote/remoteTypes';

export interface RemoteRun {
  reasoning: string;
  answer: string;
  deltas: Extract<GenerationEvent, { type: 'delta' }>[];
  done: Extract<GenerationEvent, { type: 'done' }> | undefined;
  error: unknown;
  elapsedMs: number;
}

export async function runRemote(generator: RemoteGenerator, request: GenerationRequest, signal: AbortSignal = new AbortController().signal, onDelta?: (count: number) => void): Promise<RemoteRun> {
  const started = performance.now();
  const run: RemoteRun = { reasoning: '', answer: '', deltas: [], done: undefined, error: undefined, elapsedMs: 0 };
  try {
    for await (const event of generator.generate(request, signal)) {
      if (event.type === 'done') {
        run.done = event;
        continue;
      }
      run.deltas.push(event);
      if (event.channel === 'reasoning') run.reasoning += event.text;
      else run.answer += event.text;
      onDelta?.(run.deltas.length);
    }
  } catch (err) {
    run.error = err;
  }
  run.elapsedMs = performance.now() - started;
  return run;
}

export const chatRequest = (content = 'What is 2+2?', extra: Partial<GenerationRequest> = {}): GenerationRequest => ({
  kind: 'chat',
  prompt: { type: 'chat', messages: [{ role: 'user', content }] },
  maxNewTokens: 256,
  ...extra,
});
