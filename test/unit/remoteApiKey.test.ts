// "Set Server API Key…": stored per server origin in secret storage, empty clears, cancel keeps,
// and the key is never in the log or in a message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apiKeySecretName, setServerApiKey } from '../../extension/core/remote/apiKey';
import { MemorySecrets, RecordingLogger } from './remoteFakes';

function run(typed: string | undefined, endpoint = 'https://gpu-box:8000/v1', secrets = new MemorySecrets()) {
  const log = new RecordingLogger();
  const notices: string[] = [];
  const prompts: string[] = [];
  const result = setServerApiKey({
    endpoint,
    secrets,
    ask: async (prompt) => {
      prompts.push(prompt);
      return typed;
    },
    notify: (m) => notices.push(m),
    log,
  });
  return { result, secrets, log, notices, prompts };
}

test('a typed key is stored for the endpoint’s origin, trimmed, and appears in no log line or message', async () => {
  const key = 'sk-live-0123456789abcdef';
  const r = run(`  ${key}\n`);
  assert.equal(await r.result, 'set');
  assert.equal(r.secrets.data.get(apiKeySecretName('https://gpu-box:8000')), key);
  assert.match(r.prompts[0], /https:\/\/gpu-box:8000/);
  const said = [...r.log.lines, ...r.notices].join('\n');
  assert.ok(r.log.lines.length > 0 && r.notices.length > 0);
  assert.ok(!said.includes(key) && !said.includes(key.slice(0, 8)), said);
});

test('empty clears the stored key; cancel leaves it', async () => {
  const secrets = new MemorySecrets();
  secrets.data.set(apiKeySecretName('https://gpu-box:8000'), 'old');
  assert.equal(await run(undefined, undefined, secrets).result, 'cancelled');
  assert.equal(secrets.data.size, 1);
  assert.equal(await run('  ', undefined, secrets).result, 'cleared');
  assert.equal(secrets.data.size, 0);
});

test('a key for one server is not the key of another', () => {
  assert.notEqual(apiKeySecretName('http://a:8000'), apiKeySecretName('http://a:8001'));
});

test('an unusable endpoint is reported before asking for a key', async () => {
  const r = run('sk', 'gpu-box');
  assert.equal(await r.result, 'bad_endpoint');
  assert.equal(r.prompts.length, 0);
});
