// vscode.lm's list while r1Local.backend chooses a server: the server's model (as configured, or as a
// request resolved it; before that an entry named after the host), not the local folders, so other
// extensions' selectChatModels reach the server. Listing never connects nor asks about plain http;
// token counts are estimated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CHARS_PER_TOKEN } from '../../engine/common/text/tokenEstimate';
import { estimateTokens, listLmModels, REMOTE_CONTEXT_TOKENS, remoteModelEntry, type LmListSources } from '../../extension/core/lm/lmModels';
import { RemoteBackend, type RemoteSettings } from '../../extension/core/remote/remoteBackend';
import { FakeGenerator, RecordingLogger, remoteSettings, type GeneratorScript } from './remoteFakes';

function sources(over: Partial<LmListSources> = {}): LmListSources {
  return {
    modelPaths: () => ({ chat: '/models/local-r1', completion: '' }),
    remote: () => undefined,
    ...over,
  };
}

/** A remote backend whose authorize (the plain-http question) is counted. */
function countedBackend(script: GeneratorScript, over: Partial<RemoteSettings>) {
  const generators: FakeGenerator[] = [];
  let asked = 0;
  const backend = new RemoteBackend({
    settings: remoteSettings(over),
    authorize: async () => {
      asked++;
      return {};
    },
    createGenerator: (config) => {
      const g = new FakeGenerator(config, script);
      generators.push(g);
      return g;
    },
    log: new RecordingLogger(),
  });
  return { backend, generators, asked: () => asked };
}

test('with a server chosen and no model configured, the list names the host and connects nothing; a real request resolves the name', async () => {
  const { backend, generators, asked } = countedBackend({ models: ['deepseek-r1:14b', 'qwen2.5-coder:1.5b'] }, { endpoint: 'http://gpu-box:8000/v1' });
  const listed = await listLmModels(sources({ remote: () => backend }));
  assert.deepEqual(listed, [
    {
      id: 'r1-local-remote',
      name: 'R1 Local: server model at gpu-box:8000',
      family: 'deepseek-r1-distill',
      version: 'server',
      maxInputTokens: REMOTE_CONTEXT_TOKENS,
      maxOutputTokens: REMOTE_CONTEXT_TOKENS,
      role: 'chat',
      modelPath: '',
      server: { host: 'gpu-box:8000', backendName: 'openai-compatible' },
      capabilities: { toolCalling: false, imageInput: false },
    },
  ]);
  assert.equal(asked(), 0, 'listing never asks about plain http');
  assert.equal(generators.length, 0, 'listing never connects');

  for await (const _event of backend.generate({ kind: 'chat', prompt: { type: 'chat', messages: [{ role: 'user', content: 'hi' }] }, maxNewTokens: 8 }, new AbortController().signal)) {
    // drain
  }
  assert.equal(asked(), 1, 'the real request asked');
  const [after] = await listLmModels(sources({ remote: () => backend }));
  assert.equal(after?.id, 'r1-local-remote', 'the same id once resolved');
  assert.equal(after?.name, 'R1 Local: deepseek-r1:14b (gpu-box:8000)');
});

test('a configured chat model names the entry without connecting; an Ollama server says so; a coder model is of its family', async () => {
  const { backend, generators, asked } = countedBackend({}, { endpoint: 'http://10.0.0.5:11434/v1', api: 'ollama', chatModel: 'library/qwen2.5-coder:7b' });
  const [entry] = await listLmModels(sources({ remote: () => backend }));
  assert.equal(entry?.name, 'R1 Local: qwen2.5-coder:7b (10.0.0.5:11434)');
  assert.equal(entry?.version, 'library/qwen2.5-coder:7b');
  assert.equal(entry?.family, 'qwen2.5-coder');
  assert.deepEqual(entry?.server, { host: '10.0.0.5:11434', backendName: 'ollama' });
  assert.equal(asked() + generators.length, 0);
});

test('with the local engine chosen the folders are listed as before', async () => {
  const s = sources({ modelPaths: () => ({ chat: '/nonexistent/r1-folder', completion: '/nonexistent/coder' }) });
  const listed = await listLmModels(s);
  assert.deepEqual(listed.map((m) => [m.id, m.modelPath, m.server]), [
    ['r1-local-chat', '/nonexistent/r1-folder', undefined],
    ['r1-local-completion', '/nonexistent/coder', undefined],
  ]);
  assert.deepEqual(await listLmModels(sources({ modelPaths: () => ({ chat: '', completion: '' }) })), []);
});

test('a server model gets its own id, the last path segment as its name; tokens are estimated from characters', () => {
  const entry = remoteModelEntry({ modelName: 'deepseek-ai/DeepSeek-R1-Distill-Qwen-7B', host: 'box', backendName: 'openai-compatible' });
  assert.equal(entry.id, 'r1-local-remote');
  assert.equal(entry.name, 'R1 Local: DeepSeek-R1-Distill-Qwen-7B (box)');
  assert.equal(estimateTokens(''), 0);
  assert.equal(estimateTokens('x'.repeat(CHARS_PER_TOKEN * 10)), 10);
  assert.equal(estimateTokens('x'.repeat(CHARS_PER_TOKEN * 10 + 1)), 11, 'rounded up: a prompt sized by it fits');
});
