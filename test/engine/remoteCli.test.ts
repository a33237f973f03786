// `r1-local chat/explain --endpoint URL` as users run it: the built dist/cli.js in a child process
// against the loopback replay server. --json output, exit 3 when the answer broke off, exit 1 with
// one clear line for a refused key or an unknown model, and the key never printed.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chatSse, closedPort, jsonReply, modelsReply, ollamaNdjson, startReplayServer, type ReplayServer } from '../helpers/replayServer';

const CLI = resolve('dist/cli.js');
const T = { timeout: 30_000 };
let server: ReplayServer | undefined;
let scratch: string;

before(() => {
  assert.ok(existsSync(CLI), 'dist/cli.js is built (scripts/test.mjs builds first)');
  scratch = mkdtempSync(join(tmpdir(), 'r1-remote-cli-'));
});
after(() => rmSync(scratch, { recursive: true, force: true }));
afterEach(async () => {
  await server?.close();
  server = undefined;
});

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', R1_LOCAL_API_KEY: '', ...env } });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

test('chat --json prints reasoning, answer, backend and complete; the key comes from R1_LOCAL_API_KEY and is never printed', T, async () => {
  server = await startReplayServer({ 'POST /v1/chat/completions': chatSse([{ reasoning: 'Two and two.' }, { content: '\n\nFour.' }]) });
  const r = await cli(['chat', '--endpoint', server.baseUrl, '--remote-model', 'r1', '--json', '--max-reasoning-tokens', '64', 'What is 2+2?'], { R1_LOCAL_API_KEY: 'sk-hidden' });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { reasoning: 'Two and two.', answer: 'Four.', backend: 'openai-compatible', complete: true });
  const req = server.requests[0]!;
  assert.equal(req.headers.authorization, 'Bearer sk-hidden');
  assert.equal(req.body!.model, 'r1');
  assert.equal(req.body!.max_reasoning_tokens, 64);
  assert.ok(!r.stdout.includes('sk-hidden') && !r.stderr.includes('sk-hidden'));
});

test('chat without --json streams the reasoning, then the answer; without --remote-model the server\'s first model is asked', T, async () => {
  server = await startReplayServer({ 'POST /v1/chat/completions': chatSse([{ reasoning_content: 'Hmm.' }, { content: 'Yes.' }]), 'GET /v1/models': modelsReply(['served-model']) });
  const r = await cli(['chat', '--endpoint', server.origin, '--api-key', 'k', 'Is it?']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'Hmm.\n\nYes.\n');
  assert.deepEqual(server.requests.map((q) => q.path), ['/v1/models', '/v1/chat/completions'], 'a bare origin gets /v1');
  assert.equal(server.requests[1]!.body!.model, 'served-model', 'without --remote-model the first served model answers');
});

test('a stream without a finish reason keeps the partial answer, prints complete: false and exits 3', T, async () => {
  server = await startReplayServer({ 'POST /v1/chat/completions': chatSse([{ reasoning: 'Think' }, { content: 'Half an' }], { finish: null, done: false }) });
  const r = await cli(['chat', '--endpoint', server.baseUrl, '--remote-model', 'r1', '--json', 'q']);
  assert.equal(r.code, 3, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { reasoning: 'Think', answer: 'Half an', backend: 'openai-compatible', complete: false });
  assert.match(r.stderr, /incomplete/);
});

test('a stream cut mid-answer exits 3 with the partial answer printed', T, async () => {
  server = await startReplayServer({ 'POST /v1/chat/completions': chatSse([{ content: '</think>Par' }], { finish: null, done: false, then: 'destroy' }) });
  const r = await cli(['chat', '--endpoint', server.baseUrl, '--remote-model', 'r1', 'q']);
  assert.equal(r.code, 3, r.stderr);
  assert.equal(r.stdout, 'Par\n');
});

test('401 exits 1 with one line about the API key', T, async () => {
  server = await startReplayServer({ 'POST /v1/chat/completions': jsonReply(401, { error: { message: 'bad key' } }) });
  const r = await cli(['chat', '--endpoint', server.baseUrl, '--remote-model', 'r1', '--api-key', 'wrong-key', '--json', 'q']);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /^r1-local chat: .*API key.*\[unauthorized\]$/);
  assert.ok(!r.stderr.includes('wrong-key'));
});

test("404 exits 1 naming the server's models", T, async () => {
  server = await startReplayServer({ 'POST /v1/chat/completions': jsonReply(404, { error: { message: 'The model `nope` does not exist.' } }), 'GET /v1/models': modelsReply(['deepseek-r1-distill-qwen-1.5b']) });
  const r = await cli(['chat', '--endpoint', server.baseUrl, '--remote-model', 'nope', 'q']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /"nope"/);
  assert.match(r.stderr, /It offers: deepseek-r1-distill-qwen-1\.5b\./);
  assert.match(r.stderr, /\[model_not_found\]/);
});

test('a refused connection exits 1 at once', T, async () => {
  const port = await closedPort();
  const r = await cli(['chat', '--endpoint', `http://127.0.0.1:${port}/v1`, 'q']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /connection refused.*\[connection_refused\]/);
});

test('explain --remote-api ollama --json sends the explain prompt to /api/chat', T, async () => {
  server = await startReplayServer({ 'POST /api/chat': ollamaNdjson([{ message: { content: '', thinking: 'Reading.' } }, { message: { content: 'It adds.' } }]) });
  const file = join(scratch, 'add.ts');
  writeFileSync(file, 'export const add = (a: number, b: number) => a + b;\n');
  const r = await cli(['explain', '--endpoint', server.baseUrl, '--remote-api', 'ollama', '--remote-model', 'deepseek-r1:1.5b', '--json', `${file}:1-1`]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { reasoning: 'Reading.', answer: 'It adds.', backend: 'ollama', complete: true });
  const body = server.requests[0]!.body!;
  assert.equal(body.model, 'deepseek-r1:1.5b');
  assert.match((body.messages as { content: string }[])[0]!.content, /a \+ b/);
});

test('usage: remote flags need --endpoint; --model and --endpoint exclude each other; a bad URL or API is named', T, async () => {
  const cases: [string[], RegExp][] = [
    [['chat', '--json', 'q'], /--json needs --endpoint/],
    [['chat', '--remote-model', 'x', 'q'], /--remote-model needs --endpoint/],
    [['chat', '--endpoint', 'http://127.0.0.1:1/v1', '--model', 'dir', 'q'], /exclude each other/],
    [['chat', '--endpoint', 'ftp://x', 'q'], /http:\/\/ or https:\/\//],
    [['explain', '--endpoint', 'http://127.0.0.1:1/v1', '--remote-api', 'grpc', 'f.ts'], /--remote-api must be one of openai, ollama/],
  ];
  for (const [args, message] of cases) {
    const r = await cli(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
});
