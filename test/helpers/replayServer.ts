// A loopback HTTP server that replays scripted answers in the formats of the servers the remote
// client talks to (OpenAI-style SSE with `delta.reasoning`, `delta.reasoning_content` or `<think>`
// in `content`; Ollama NDJSON with `thinking`) and their faults (status codes, a cut socket, a
// stream without a finish reason, malformed lines, silence). It records every request (path,
// headers, parsed body) and whether the client closed the connection before the answer ended.
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The JSON body, parsed (undefined when empty or not JSON). */
  body: Record<string, unknown> | undefined;
  /** Resolves when the connection closed: `early` when that was before the answer ended (the client hung up). */
  closed: Promise<{ early: boolean }>;
}

/** A scripted answer. `pieces` are written one at a time, `delayMs` apart; then the answer ends as `then` says. */
export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  pieces?: string[];
  delayMs?: number;
  /** `end` (default), `destroy` the socket mid-answer, or `hang` (send nothing more, never end). */
  then?: 'end' | 'destroy' | 'hang';
  /** Accept the request and never answer at all (no status line). */
  silent?: boolean;
}

export type Handler = (request: RecordedRequest, index: number) => Reply;

export interface ReplayServer {
  /** The OpenAI-style base URL: http://127.0.0.1:PORT/v1 */
  baseUrl: string;
  origin: string;
  requests: RecordedRequest[];
  /** Answer `METHOD /path` with a reply, or a handler that sees the request and how many came before on that route. */
  route(key: string, reply: Reply | Handler): void;
  close(): Promise<void>;
}

export async function startReplayServer(routes: Record<string, Reply | Handler> = {}): Promise<ReplayServer> {
  const table = new Map<string, Reply | Handler>(Object.entries(routes));
  const counts = new Map<string, number>();
  const requests: RecordedRequest[] = [];
  const timers = new Set<ReturnType<typeof setTimeout>>();

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: Record<string, unknown> | undefined;
      try {
        body = raw ? (JSON.parse(raw) as Record<string, unknown>) : undefined;
      } catch {
        body = undefined;
      }
      const path = (req.url ?? '/').split('?')[0]!;
      const closed = new Promise<{ early: boolean }>((resolve) => res.on('close', () => resolve({ early: !res.writableFinished })));
      const recorded: RecordedRequest = { method: req.method ?? 'GET', path, headers: req.headers, body, closed };
      requests.push(recorded);
      const key = `${recorded.method} ${path}`;
      const index = counts.get(key) ?? 0;
      counts.set(key, index + 1);
      const entry = table.get(key);
      const reply: Reply = entry === undefined ? jsonReply(404, { error: { message: `no route ${key}` } }) : typeof entry === 'function' ? entry(recorded, index) : entry;
      play(res, reply);
    });
  });

  function play(res: ServerResponse, reply: Reply): void {
    if (reply.silent) return;
    res.writeHead(reply.status ?? 200, reply.headers ?? {});
    res.flushHeaders();
    const pieces = [...(reply.pieces ?? [])];
    const step = () => {
      if (res.destroyed) return;
      const piece = pieces.shift();
      if (piece !== undefined) {
        res.write(piece);
        if (reply.delayMs) {
          const t = setTimeout(() => {
            timers.delete(t);
            step();
          }, reply.delayMs);
          timers.add(t);
        } else setImmediate(step);
        return;
      }
      if (reply.then === 'destroy') res.socket?.destroy();
      else if (reply.then !== 'hang') res.end();
    };
    step();
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    baseUrl: `${origin}/v1`,
    origin,
    requests,
    route: (key, reply) => void table.set(key, reply),
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 that nothing listens on (bound, then closed). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export function jsonReply(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return { status, headers: { 'content-type': 'application/json', ...headers }, pieces: [JSON.stringify(body)] };
}

const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' };

export interface SseOptions {
  /** Finish reason of the last choice; null sends none. Default 'stop'. */
  finish?: string | null;
  /** vLLM's `stop_reason` beside the finish reason. */
  stopReason?: string | number | null;
  /** Send `data: [DONE]` at the end (default true). */
  done?: boolean;
  usage?: { prompt_tokens: number; completion_tokens: number };
  delayMs?: number;
  then?: Reply['then'];
  /** Raw text inserted before the piece at this index (say, a malformed line). */
  insert?: { at: number; text: string };
}

function sse(events: unknown[], options: SseOptions): Reply {
  const pieces = events.map((e) => `data: ${JSON.stringify(e)}\n\n`);
  if (options.usage) pieces.push(`data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', choices: [], usage: { ...options.usage, total_tokens: options.usage.prompt_tokens + options.usage.completion_tokens } })}\n\n`);
  if (options.done ?? true) pieces.push('data: [DONE]\n\n');
  if (options.insert) pieces.splice(options.insert.at, 0, options.insert.text);
  return { status: 200, headers: SSE_HEADERS, pieces, delayMs: options.delayMs, then: options.then };
}

/** `/v1/chat/completions` chunks, one per delta (`{reasoning}`, `{reasoning_content}`, `{content}`…), the finish reason on the last. */
export function chatSse(deltas: Record<string, string>[], options: SseOptions = {}): Reply {
  const finish = options.finish === undefined ? 'stop' : options.finish;
  const events: unknown[] = [{ id: 'c1', object: 'chat.completion.chunk', model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] }];
  deltas.forEach((delta, i) => {
    const last = i === deltas.length - 1;
    const choice: Record<string, unknown> = { index: 0, delta, finish_reason: last ? finish : null };
    if (last && options.stopReason !== undefined) choice.stop_reason = options.stopReason;
    events.push({ id: 'c1', object: 'chat.completion.chunk', model: 'm', choices: [choice] });
  });
  return sse(events, options);
}

/** `/v1/completions` chunks, one per text piece. */
export function completionSse(texts: string[], options: SseOptions = {}): Reply {
  const finish = options.finish === undefined ? 'stop' : options.finish;
  const events = texts.map((text, i) => ({ id: 'k1', object: 'text_completion', model: 'm', choices: [{ index: 0, text, finish_reason: i === texts.length - 1 ? finish : null }] }));
  return sse(events, options);
}

/** Ollama's NDJSON: one object per line; `final` is merged into a last `done: true` line. */
export function ollamaNdjson(lines: Record<string, unknown>[], final: Record<string, unknown> | null = { done_reason: 'stop', prompt_eval_count: 7, eval_count: 5 }, options: { delayMs?: number; then?: Reply['then'] } = {}): Reply {
  const all = lines.map((l) => ({ model: 'm', created_at: '2025-01-01T00:00:00Z', done: false, ...l }));
  if (final) all.push({ model: 'm', created_at: '2025-01-01T00:00:00Z', ...final, done: true });
  return { status: 200, headers: { 'content-type': 'application/x-ndjson' }, pieces: all.map((l) => `${JSON.stringify(l)}\n`), delayMs: options.delayMs, then: options.then };
}

export function modelsReply(ids: string[]): Reply {
  return jsonReply(200, { object: 'list', data: ids.map((id) => ({ id, object: 'model', created: 0, owned_by: 'test' })) });
}
