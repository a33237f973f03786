// vscode.lm's list while r1Local.backend chooses a server: the server's model (named by the remote
// backend once it connected), not the local folders, so other extensions' selectChatModels reach the
// server; a server that cannot be reached is still listed; token counts are estimated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CHARS_PER_TOKEN } from '../../engine/common/text/tokenEstimate';
import { estimateTokens, listLmModels, REMOTE_CONTEXT_TOKENS, remoteModelEntry, type LmListSources } from '../../extension/core/lm/lmModels';
import { FakeRemoteError, remoteBackend } from './remoteFakes';

function sources(over: Partial<LmListSources> = {}) {
  const warnings: string[] = [];
  const s: LmListSources = {
    modelPaths: () => ({ chat: '/models/local-r1', completion: '' }),
    remote: () => undefined,
    warn: (m) => warnings.push(m),
    ...over,
  };
  return { sources: s, warnings };
}

test("with a server chosen the list is the server's model, named by what the backend resolved, and no local folder", async () => {
  const { backend } = remoteBackend({ models: ['deepseek-r1:14b', 'qwen2.5-coder:1.5b'] }, { endpoint: 'http://gpu-box:8000/v1' });
  const { sources: s, warnings } = sources({ remote: () => backend });
  const listed = await listLmModels(s);
  assert.deepEqual(listed, [
    {
      id: 'r1-local-remote',
      name: 'R1 Local: deepseek-r1:14b (gpu-box:8000)',
      family: 'deepseek-r1-distill',
      version: 'deepseek-r1:14b',
      maxInputTokens: REMOTE_CONTEXT_TOKENS,
      maxOutputTokens: REMOTE_CONTEXT_TOKENS,
      role: 'chat',
      modelPath: '',
      server: { host: 'gpu-box:8000', backendName: 'openai-compatible' },
      capabilities: { toolCalling: false, imageInput: false },
    },
  ]);
  assert.deepEqual(warnings, []);
  assert.equal(backend.capabilities?.modelName, 'deepseek-r1:14b', 'listing connected the backend the requests use');
});

test('a configured chat model names the entry; an Ollama server says so; a coder model is of its family', async () => {
  const { backend } = remoteBackend({}, { endpoint: 'http://127.0.0.1:11434/v1', api: 'ollama', chatModel: 'library/qwen2.5-coder:7b' });
  const [entry] = await listLmModels(sources({ remote: () => backend }).sources);
  assert.equal(entry?.name, 'R1 Local: qwen2.5-coder:7b (127.0.0.1:11434)');
  assert.equal(entry?.version, 'library/qwen2.5-coder:7b');
  assert.equal(entry?.family, 'qwen2.5-coder');
  assert.deepEqual(entry?.server, { host: '127.0.0.1:11434', backendName: 'ollama' });
});

test('a server that cannot be reached is still listed (by its configured model, else as the server), with a warning', async () => {
  const refused = new FakeRemoteError({ code: 'connection_refused', message: 'connect ECONNREFUSED 127.0.0.1:8080' });
  const configured = remoteBackend({ models: refused }, { chatModel: 'deepseek-r1:7b', api: 'ollama' });
  const unnamed = remoteBackend({ models: refused });
  const { sources: s, warnings } = sources({ remote: () => unnamed.backend });
  const listed = await listLmModels(s);
  assert.equal(listed.length, 1);
  assert.equal(listed[0]!.id, 'r1-local-remote');
  assert.equal(listed[0]!.name, 'R1 Local: server (127.0.0.1:8080)');
  assert.match(warnings[0] ?? '', /ECONNREFUSED/);

  const named = await listLmModels(sources({ remote: () => configured.backend }).sources);
  assert.equal(named[0]!.version, 'deepseek-r1:7b');
});

test('with the local engine chosen the folders are listed as before', async () => {
  const { sources: s } = sources({ modelPaths: () => ({ chat: '/nonexistent/r1-folder', completion: '/nonexistent/coder' }) });
  const listed = await listLmModels(s);
  assert.deepEqual(listed.map((m) => [m.id, m.modelPath, m.server]), [
    ['r1-local-chat', '/nonexistent/r1-folder', undefined],
    ['r1-local-completion', '/nonexistent/coder', undefined],
  ]);
  assert.deepEqual(await listLmModels(sources({ modelPaths: () => ({ chat: '', completion: '' }) }).sources), []);
});

test('a server model gets its own id, the last path segment as its name; tokens are estimated from characters', () => {
  const entry = remoteModelEntry({ modelName: 'deepseek-ai/DeepSeek-R1-Distill-Qwen-7B', host: 'box', backendName: 'openai-compatible' });
  assert.equal(entry.id, 'r1-local-remote');
  assert.equal(entry.name, 'R1 Local: DeepSeek-R1-Distill-Qwen-7B (box)');
  assert.equal(estimateTokens(''), 0);
  assert.equal(estimateTokens('x'.repeat(CHARS_PER_TOKEN * 10)), 10);
  assert.equal(estimateTokens('x'.repeat(CHARS_PER_TOKEN * 10 + 1)), 11, 'rounded up: a prompt sized by it fits');
});
