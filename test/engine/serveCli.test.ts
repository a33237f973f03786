// `r1-local serve` as users run it: the built dist/cli.js in a child process. It prints where it
// listens once the model is loaded, answers, and on SIGTERM stops accepting, lets the running
// stream finish and exits 0.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fixtureModel } from '../helpers/fixtureModels';
import { completionStreamText, request, streamRequest } from '../helpers/serveHarness';
import type { FixtureModel } from '../../engine/fixtures';

const CLI = resolve('dist/cli.js');
const WORDS = 'alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa'.split(' ');
/** Long enough (a few hundred tokens) that a stream is still running when the signal arrives. */
const SCRIPT = Array.from({ length: 6 }, (_, i) => `part ${i}: ${WORDS.join(' ')}`).join('\n');

let fixture: FixtureModel;

before(async () => {
  assert.ok(existsSync(CLI), 'dist/cli.js is built (scripts/test.mjs builds first)');
  fixture = await fixtureModel('scripted', 'optimum', 'fp32', { script: SCRIPT });
});

interface Served {
  child: ChildProcess;
  url: string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function serve(args: string[]): Promise<Served> {
  const child = spawn(process.execPath, [CLI, 'serve', '--model', fixture.dir, '--port', '0', '--threads', '1', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, R1_LOCAL_API_KEY: '' } });
  let stdout = '';
  let stderr = '';
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      done({ code, signal });
    }),
  );
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolveServed, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      const match = /listening on (http:\/\/\S+)\n/.exec(stdout);
      if (match) resolveServed({ child, url: match[1]!, stderr: () => stderr, exit });
    });
    void exit.then(({ code }) => reject(new Error(`serve exited (${code}) before listening: ${stderr}`)));
  });
}

test('serve --port 0 prints its address, answers, and drains on SIGTERM: the running stream finishes, then exit 0', { timeout: 90_000 }, async () => {
  const served = await serve([]);
  assert.match(served.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const models = await request(`${served.url}/v1/models`);
  assert.equal(models.status, 200);
  const chat = await request(`${served.url}/v1/chat/completions`, { body: { messages: [{ role: 'user', content: 'Recite.' }], max_tokens: 8 } });
  assert.equal(chat.status, 200);
  assert.equal(chat.body.usage.completion_tokens, 8);

  // A stream in flight when the signal arrives still finishes, whole.
  const reply = await streamRequest(`${served.url}/v1/completions`, { prompt: 'part 0:', stream: true }, { onFirstText: () => served.child.kill('SIGTERM') });
  assert.equal(reply.status, 200);
  assert.ok(reply.sawDone, 'the running stream ended normally');
  assert.equal(completionStreamText(reply.chunks), SCRIPT.slice('part 0:'.length));

  const { code, signal } = await served.exit;
  assert.equal(signal, null);
  assert.equal(code, 0, served.stderr());
  assert.match(served.stderr(), /SIGTERM: draining/);
  assert.match(served.stderr(), /GET \/v1\/models 200 \d+ms/);
  assert.match(served.stderr(), /POST \/v1\/completions 200 \d+ms/);
  assert.ok(served.stderr().indexOf('SIGTERM: draining') < served.stderr().search(/POST \/v1\/completions 200/), 'the stream was still running when the drain began');
  await assert.rejects(fetch(`${served.url}/v1/models`), 'nothing listens any more');
});

test('serve refuses requests without the key when one is set, and SIGINT exits 0 when idle', { timeout: 90_000 }, async () => {
  const served = await serve(['--api-key', 'k-123', '--max-queue', '2']);
  assert.equal((await request(`${served.url}/v1/models`)).status, 401);
  assert.equal((await request(`${served.url}/v1/models`, { key: 'k-123' })).status, 200);
  assert.doesNotMatch(served.stderr(), /k-123/);
  served.child.kill('SIGINT');
  assert.deepEqual(await served.exit, { code: 0, signal: null });
});

test('a stream that outlasts --drain-timeout is cut with an error event (no [DONE]) and the server still exits 0', { timeout: 90_000 }, async () => {
  const served = await serve(['--drain-timeout', '0']);
  const reply = await streamRequest(`${served.url}/v1/completions`, { prompt: 'part 0:', stream: true }, { onFirstText: () => served.child.kill('SIGTERM') });
  assert.equal(reply.status, 200);
  assert.equal(reply.sawDone, false, 'a cut stream does not end with [DONE]');
  const last = reply.chunks[reply.chunks.length - 1];
  assert.equal(last.error?.code, 'shutting_down');
  assert.ok(SCRIPT.slice('part 0:'.length).startsWith(completionStreamText(reply.chunks)));
  assert.deepEqual(await served.exit, { code: 0, signal: null });
});
