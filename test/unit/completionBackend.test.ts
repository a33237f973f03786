import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { GenerationRequest } from '../../engine/types';
import type { BackendState } from '../../extension/core/generationBackend';
import { Emitter } from '../../extension/core/emitter';
import { CompletionBackendSelector, type OwnedBackend } from '../../extension/core/completion/completionBackend';

function fakeClient(name: string, log: string[]): OwnedBackend & { states: Emitter<BackendState> } {
  const caps = { modelName: name, reasoning: false, tokenCount: false };
  const states = new Emitter<BackendState>();
  return {
    state: { kind: 'stopped' },
    states,
    onDidChangeState: states.event,
    capabilities: caps,
    prepare: async () => caps,
    generate: async function* (request: GenerationRequest) {
      log.push(`${name}:${request.kind}`);
    },
    dispose: () => log.push(`dispose ${name}`),
  };
}

const request: GenerationRequest = { kind: 'completion', prompt: { type: 'text', text: 'x' }, maxNewTokens: 1 };

async function drain(iterable: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of iterable);
}

test('completions use the chat model unless a separate model path is set, switching live', async () => {
  const log: string[] = [];
  let path = '';
  const selector = new CompletionBackendSelector(fakeClient('chat', log), (p) => fakeClient(p, log), () => path);
  await drain(selector.generate(request, new AbortController().signal));
  assert.equal(selector.capabilities?.modelName, 'chat');
  path = '/models/coder';
  await drain(selector.generate(request, new AbortController().signal));
  await drain(selector.generate(request, new AbortController().signal));
  assert.equal((await selector.prepare()).modelName, '/models/coder');
  path = '/models/other';
  await drain(selector.generate(request, new AbortController().signal));
  path = '';
  await drain(selector.generate(request, new AbortController().signal));
  selector.dispose();
  assert.deepEqual(log, [
    'chat:completion',
    '/models/coder:completion',
    '/models/coder:completion',
    'dispose /models/coder',
    '/models/other:completion',
    'dispose /models/other',
    'chat:completion',
  ]);
});
