/// <reference types="mocha" />
// The remote backend (r1Local.backend: "openai-compatible") reached through vscode.lm, the way
// another extension would, against a small OpenAI-compatible SSE server started here: the server's
// model is listed, an answer streams back as thinking and text parts, a refused key says so, and a
// key stored for the endpoint's origin is sent as a Bearer token. Prints "lm transcript:" lines,
// which the code-server launcher copies to its log.
import * as assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as vscode from 'vscode';
import { findThinkingPart } from '../../extension/core/lm/thinkingPart';
import { apiKeySecretName } from '../../extension/core/remote/apiKey';
import { extensionServices, waitFor } from './extensionUnderTest';

const VENDOR = 'r1-local';
const SERVER_MODEL = 'team-model';
const API_KEY = 'test-key';
const REASONING = ['The caller wants a sum. ', 'Adding the two numbers is enough.'];
const ANSWER = ['function add(a: number, b: number): number {\n', '  return a + b;\n', '}\n'];

interface RecordedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  body: Record<string, unknown> | undefined;
}

/** An OpenAI-compatible server with one model; with `requireKey` it answers 401 to any request without the test key. */
class FakeOpenAIServer {
  readonly requests: RecordedRequest[] = [];
  requireKey = false;
  private readonly server: Server = createServer((req, res) => void this.handle(req, res));

  async start(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', resolve);
    });
    return (this.server.address() as AddressInfo).port;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: Record<string, unknown> | undefined;
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
    } catch {
      body = undefined;
    }
    const path = (req.url ?? '').split('?')[0] ?? '';
    const authorization = req.headers.authorization;
    this.requests.push({ method: req.method ?? '', path, authorization, body });

    if (this.requireKey && authorization !== `Bearer ${API_KEY}`) {
      return json(res, 401, { error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', code: 'invalid_api_key' } });
    }
    if (req.method === 'GET' && path === '/v1/models') {
      return json(res, 200, { object: 'list', data: [{ id: SERVER_MODEL, object: 'model', created: 0, owned_by: 'team' }] });
    }
    if (req.method === 'POST' && path === '/v1/chat/completions') return this.stream(res);
    json(res, 404, { error: { message: `no route ${req.method} ${path}`, type: 'not_found' } });
  }

  /** Reasoning deltas, then answer deltas, a stop, the usage and [DONE]. */
  private async stream(res: ServerResponse): Promise<void> {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const chunk = (delta: Record<string, unknown>, finishReason: string | null = null): Record<string, unknown> => ({
      id: 'chatcmpl-test',
      object: 'chat.completion.chunk',
      created: Math.floor(Date.now() / 1000),
      model: SERVER_MODEL,
      choices: [{ index: 0, delta, finish_reason: finishReason }],
    });
    const events: Array<Record<string, unknown>> = [
      chunk({ role: 'assistant', content: '' }),
      ...REASONING.map((r) => chunk({ reasoning_content: r })),
      ...ANSWER.map((a) => chunk({ content: a })),
      chunk({}, 'stop'),
      { id: 'chatcmpl-test', object: 'chat.completion.chunk', created: 0, model: SERVER_MODEL, choices: [], usage: { prompt_tokens: 12, completion_tokens: 20, total_tokens: 32 } },
    ];
    for (const event of events) {
      res.write(`data: ${JSON.stringify(event)}\n\n`);
      await new Promise((r) => setTimeout(r, 5));
    }
    res.end('data: [DONE]\n\n');
  }
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

const ThinkingPart = findThinkingPart(vscode);
type Part = { kind: 'thinking' | 'text' | 'other'; text: string };

function classify(part: unknown): Part {
  if (part instanceof vscode.LanguageModelTextPart) return { kind: 'text', text: part.value };
  const value = (part as { value?: unknown }).value;
  const text = Array.isArray(value) ? value.join('') : String(value);
  if (ThinkingPart && part instanceof ThinkingPart) return { kind: 'thinking', text };
  return { kind: 'other', text: JSON.stringify(part) };
}

async function ask(model: vscode.LanguageModelChat, question: string): Promise<Part[]> {
  const response = await model.sendRequest([vscode.LanguageModelChatMessage.User(question)], {});
  const parts: Part[] = [];
  for await (const part of response.stream) parts.push(classify(part));
  return parts;
}

function joined(parts: Part[], kind: Part['kind']): string {
  return parts
    .filter((p) => p.kind === kind)
    .map((p) => p.text)
    .join('');
}

async function askExpectingError(model: vscode.LanguageModelChat, question: string): Promise<Error> {
  try {
    const parts = await ask(model, question);
    assert.fail(`an error was expected, got ${parts.length} parts: ${JSON.stringify(joined(parts, 'text'))}`);
  } catch (e) {
    if (e instanceof assert.AssertionError) throw e;
    assert.ok(e instanceof Error, `an Error, got ${String(e)}`);
    return e;
  }
}

const SETTINGS = ['backend', 'remote.endpoint'] as const;

suite('remote backend through vscode.lm', () => {
  const server = new FakeOpenAIServer();
  let host: string;
  let origin: string;
  const previous = new Map<string, unknown>();

  /** The server's entry in the vendor's list, once it is listed with `name` (the list refreshes on state changes). */
  function serverModel(name: (n: string) => boolean = () => true): Promise<vscode.LanguageModelChat> {
    return waitFor(`the model entry of ${host}`, async () => {
      const models = await vscode.lm.selectChatModels({ vendor: VENDOR });
      return models.find((m) => m.id === 'r1-local-remote' && m.name.includes(host) && name(m.name));
    }, 15_000);
  }

  suiteSetup(async () => {
    assert.equal(vscode.workspace.isTrusted, true, 'this suite needs a trusted workspace');
    const port = await server.start();
    host = `127.0.0.1:${port}`;
    origin = `http://${host}`;
    const config = vscode.workspace.getConfiguration('r1Local');
    for (const key of SETTINGS) previous.set(key, config.inspect(key)?.globalValue);
    await config.update('remote.endpoint', `${origin}/v1`, vscode.ConfigurationTarget.Global);
    await config.update('backend', 'openai-compatible', vscode.ConfigurationTarget.Global);
  });

  suiteTeardown(async () => {
    try {
      const api = await extensionServices();
      await api.context.secrets.delete(apiKeySecretName(origin));
      const config = vscode.workspace.getConfiguration('r1Local');
      for (const key of SETTINGS) await config.update(key, previous.get(key), vscode.ConfigurationTarget.Global);
      await waitFor('the local models to be listed again', async () => {
        const models = await vscode.lm.selectChatModels({ vendor: VENDOR });
        return models.some((m) => m.id === 'r1-local-remote') ? undefined : true;
      }, 15_000);
    } finally {
      await server.stop();
    }
  });

  setup(() => {
    server.requests.length = 0;
    server.requireKey = false;
  });

  test('the server\'s model is listed; the answer streams as text, the reasoning as thinking parts', async () => {
    const model = await serverModel();
    assert.equal(model.vendor, VENDOR);
    const parts = await ask(model, 'Write add()');
    const kinds = parts.map((p) => p.kind);
    console.log(`lm transcript: remote server ${host}: ${parts.length} parts (${kinds.join(',')})`);
    console.log(`lm transcript:   thinking: ${JSON.stringify(joined(parts, 'thinking'))}`);
    console.log(`lm transcript:   text: ${JSON.stringify(joined(parts, 'text'))}`);
    assert.ok(!kinds.includes('other'), `only text and thinking parts: ${kinds.join(',')}`);
    assert.equal(joined(parts, 'text'), ANSWER.join(''), 'the answer is the content deltas, without the reasoning');
    if (ThinkingPart) {
      assert.equal(joined(parts, 'thinking'), REASONING.join(''), 'the reasoning arrives as thinking parts');
      assert.ok(kinds.lastIndexOf('thinking') < kinds.indexOf('text'), 'all thinking before the first text part');
    } else {
      assert.ok(!kinds.includes('thinking'));
      console.log('lm transcript:   (this VS Code has no LanguageModelThinkingPart: reasoning left out)');
    }

    const chats = server.requests.filter((r) => r.method === 'POST' && r.path === '/v1/chat/completions');
    assert.equal(chats.length, 1, `one chat request: ${JSON.stringify(server.requests.map((r) => `${r.method} ${r.path}`))}`);
    const body = chats[0]!.body;
    assert.ok(body, 'the chat request has a JSON body');
    assert.equal(body.model, SERVER_MODEL, 'the model the server listed first');
    assert.equal(body.stream, true);
    const messages = body.messages as Array<{ role: string; content: unknown }>;
    assert.ok(Array.isArray(messages) && messages.length > 0, 'messages are sent');
    assert.equal(messages.at(-1)?.role, 'user');
    assert.match(JSON.stringify(messages.at(-1)?.content), /Write add\(\)/);
    assert.ok(server.requests.every((r) => r.authorization === undefined), 'no Authorization header without a stored key');

    // Once a request named the server's model, the list offers it under that name.
    const named = await serverModel((n) => n.includes(SERVER_MODEL));
    console.log(`lm transcript:   listed as ${JSON.stringify(named.name)}`);
  });

  test('a server that refuses the request without a key: the error says the key was refused', async () => {
    server.requireKey = true;
    const model = await serverModel();
    const error = await askExpectingError(model, 'Write add()');
    console.log(`lm transcript: remote server ${host}, key required, none stored: error ${JSON.stringify(error.message)}`);
    assert.match(error.message, /refused the request \(HTTP 401\)/);
    assert.match(error.message, /API key is missing or wrong/);
    assert.ok(server.requests.length > 0, 'the server was asked');
    assert.ok(server.requests.every((r) => r.authorization === undefined), 'no request carried an API key');
  });

  // "R1 Local: Set Server API Key…" only reads the key from an input box (it takes no argument), which
  // a test cannot fill in; this stores the key where that command does, in the extension's
  // SecretStorage under the endpoint's origin, and checks that the next request sends it.
  test('a key stored for the endpoint\'s origin is sent as a Bearer token and the answer comes', async () => {
    server.requireKey = true;
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('r1Local.setServerApiKey'), 'the command that stores the key is registered');
    const api = await extensionServices();
    // The extension drops its remote backend when a secret changes (a request still running on it
    // would be cut off): wait for that change to have been seen before asking.
    const seen = new Promise<void>((resolve) => {
      const listener = api.context.secrets.onDidChange((e) => {
        if (e.key !== apiKeySecretName(origin)) return;
        listener.dispose();
        resolve();
      });
    });
    await api.context.secrets.store(apiKeySecretName(origin), API_KEY);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('SecretStorage.onDidChange did not fire within 10 s of storing the key')), 10_000);
    });
    await Promise.race([seen, late]).finally(() => clearTimeout(timer));
    const model = await serverModel();
    const parts = await ask(model, 'Write add()');
    console.log(`lm transcript: remote server ${host}, key stored: ${parts.length} parts, text ${JSON.stringify(joined(parts, 'text'))}`);
    assert.equal(joined(parts, 'text'), ANSWER.join(''));
    assert.ok(server.requests.length > 0);
    for (const r of server.requests) assert.equal(r.authorization, `Bearer ${API_KEY}`, `${r.method} ${r.path} carries the stored key`);
    assert.ok(server.requests.some((r) => r.path === '/v1/chat/completions'), 'the chat request was sent');
  });
});
