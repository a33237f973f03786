// `r1-local serve`'s HTTP server (node:http, no framework): the OpenAI-compatible subset in front of
// the engine host's runner. Order of checks per request: draining, API key (before anything else,
// so an unknown path answers 401 as well), route and method, body, fields, model. One log line per
// request on stderr: method, path, status, milliseconds; never the key or the prompt.
//
// Limits against slow or stuck clients: the headers must arrive within 10 s and the whole request
// within 60 s, or Node closes the connection (with a 408 when nothing was answered yet); at most
// MAX_CONNECTIONS sockets at once (more are closed on accept); a streamed response whose client
// stops reading for 30 s is cut and its generation cancelled (see GenerationResponse).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename } from 'node:path';
import type { HostStatus } from '../host/protocol';
import type { GenerationRequest, LoadOptions } from '../types';
import { ApiError, apiErrors } from './apiError';
import { ApiKeyCheck, bindRefusal } from './auth';
import { decodeChatRequest, decodeCompletionRequest, type CommonRequest } from './decodeApiRequest';
import { GenerationResponse } from './generationResponse';
import { chatGeneration, completionGeneration } from './generationRequest';
import { modelEntry, newIdentity, type Endpoint } from './openaiShapes';
import { DEFAULT_MAX_BODY_BYTES, readJsonBody } from './readBody';
import { sendError, sendJson } from './respond';
import { RunnerBridge, type LoadServedEngine } from './runnerBridge';

export interface ServeOptions {
  host: string;
  /** 0 picks a free port; `url` tells which. */
  port: number;
  apiKey?: string;
  /** Requests that may wait while one generates; beyond that, 429 at once. Default 8; 0: none wait, only the running one is served. */
  maxQueue?: number;
  maxBodyBytes?: number;
  /** Cap on max_tokens; default: what fits in the context. */
  maxTokensCap?: number;
  /** The model id in /v1/models; default: the model's own name, else its folder's name. */
  modelName?: string;
  /** How long running requests may take to finish once draining starts. Default 30 s. */
  drainTimeoutMs?: number;
  retryAfterS?: number;
  /** Where request lines go; default stderr. */
  log?: (line: string) => void;
  /** Time for a request's headers to arrive. Default 10 s. */
  headersTimeoutMs?: number;
  /** Time for a whole request (headers and body) to arrive. Default 60 s. */
  requestTimeoutMs?: number;
  /** A silent stream (queued, prefilling) gets an empty chunk this often. Default 15 s. */
  keepAliveIntervalMs?: number;
  /** How long a client may leave a stream's output unread before it is cut. Default 30 s. */
  writeStallTimeoutMs?: number;
}

/** Most sockets open at once; connections beyond it are closed as they are accepted. */
export const MAX_CONNECTIONS = 64;
const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;
const DEFAULT_KEEP_ALIVE_MS = 15_000;
const DEFAULT_WRITE_STALL_MS = 30_000;

export interface StartOptions extends ServeOptions {
  load: LoadOptions;
  loadEngine: LoadServedEngine;
}

type Handler = (req: IncomingMessage, res: ServerResponse, param: string | undefined) => Promise<void>;

interface Route {
  pattern: RegExp;
  methods: Partial<Record<string, Handler>>;
}

/** A path segment as sent; a malformed escape is kept as it is (it then matches no model). */
function decodePathPart(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/**
 * The path of a request target. Node's parser lets through targets the URL parser refuses
 * (`//[`, `http://[x`, a port over 65535): those are a 400, not an exception.
 */
function requestPath(target: string): string {
  let url: URL;
  try {
    url = new URL(target, 'http://server');
  } catch {
    throw apiErrors.badTarget();
  }
  return url.pathname.replace(/(.)\/$/, '$1');
}

export class ApiServer {
  private draining: Promise<void> | undefined;
  /** Generations whose HTTP response is still open: what a drain waits for. */
  private readonly inflight = new Map<number, { cancel(): void; closed: Promise<void> }>();
  private readonly auth: ApiKeyCheck;
  private readonly routes: Route[];
  private serial = 0;
  private readonly createdAt = Math.floor(Date.now() / 1000);

  private constructor(
    private readonly server: Server,
    private readonly bridge: RunnerBridge,
    private readonly options: StartOptions,
    readonly modelId: string,
    readonly url: string,
  ) {
    this.auth = new ApiKeyCheck(options.apiKey);
    this.routes = [
      { pattern: /^\/v1\/models$/, methods: { GET: async (_req, res) => sendJson(res, 200, { object: 'list', data: [this.model()] }) } },
      { pattern: /^\/v1\/models\/(.+)$/, methods: { GET: async (_req, res, id) => this.oneModel(res, id!) } },
      { pattern: /^\/v1\/chat\/completions$/, methods: { POST: (req, res) => this.chat(req, res) } },
      { pattern: /^\/v1\/completions$/, methods: { POST: (req, res) => this.completion(req, res) } },
    ];
    // `handle` answers every failure itself; this catch is the last guard, so nothing a request
    // does can end the process through an unhandled rejection.
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      this.handle(req, res).catch((err: unknown) => {
        this.log(`internal error: ${err instanceof Error ? err.message : String(err)}`);
        res.destroy();
      });
    });
    // After listening, a server error (say EMFILE when accepting) is logged, not thrown.
    server.on('error', (err: Error) => this.log(`server error: ${err.message}`));
  }

  /** Loads the model, then listens; `url` is where it answers. */
  static async start(options: StartOptions): Promise<ApiServer> {
    const refusal = bindRefusal(options.host, options.apiKey);
    if (refusal) throw new Error(refusal);
    const bridge = new RunnerBridge(options.loadEngine, Math.max(1, options.maxQueue ?? 8));
    const info = await bridge.load(options.load);
    const requestTimeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    // Node refuses a headers timeout above the request timeout.
    const headersTimeout = Math.min(options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS, requestTimeout);
    const server = createServer({
      headersTimeout,
      requestTimeout,
      // How often Node looks for connections past those timeouts (its default, 30 s, would triple the 10 s).
      connectionsCheckingInterval: Math.max(10, Math.min(1_000, Math.floor(headersTimeout / 4))),
    });
    server.maxConnections = MAX_CONNECTIONS;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port, options.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      await bridge.shutdown();
      throw err;
    }
    const { port } = server.address() as AddressInfo;
    const host = options.host.includes(':') && !options.host.startsWith('[') ? `[${options.host}]` : options.host;
    const modelId = options.modelName ?? info.modelName ?? basename(info.modelPath);
    return new ApiServer(server, bridge, options, modelId, `http://${host}:${port}`);
  }

  status(): HostStatus {
    return this.bridge.status();
  }

  /**
   * Stops accepting, lets the requests already admitted finish within the drain bound, cancels
   * what is left, frees the model and closes every connection. Safe to call more than once.
   */
  drain(): Promise<void> {
    this.draining ??= this.runDrain();
    return this.draining;
  }

  private async runDrain(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    const bound = this.options.drainTimeoutMs ?? 30_000;
    if (!(await this.waitForInflight(bound))) {
      for (const live of this.inflight.values()) live.cancel();
      await this.waitForInflight(5_000);
    }
    await this.bridge.shutdown();
    this.server.closeAllConnections();
    await closed;
  }

  /** True when every open generation ended within `ms`. */
  private async waitForInflight(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
    const all = Promise.all([...this.inflight.values()].map((l) => l.closed)).then(() => true as const);
    const result = await Promise.race([all, timeout]);
    clearTimeout(timer);
    return result;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    let path = req.url ?? '/';
    res.once('close', () => {
      const ms = Math.round(performance.now() - started);
      this.log(`${req.method} ${path.slice(0, 200)} ${res.statusCode} ${ms}ms${res.writableFinished ? '' : ' (client gone)'}`);
    });
    try {
      if (this.draining) throw apiErrors.shuttingDown();
      const denied = this.auth.check(req);
      if (denied) throw denied;
      path = requestPath(path);
      const { handler, param } = this.route(req.method ?? 'GET', path);
      await handler(req, res, param);
    } catch (err) {
      const error = err instanceof ApiError ? err : apiErrors.internal(err instanceof Error ? err.message : String(err));
      // A refused body may still be arriving: close the connection rather than read it all.
      if (error.status === 413 || this.draining) res.setHeader('Connection', 'close');
      sendError(res, error);
    }
  }

  private route(method: string, path: string): { handler: Handler; param: string | undefined } {
    for (const route of this.routes) {
      const match = route.pattern.exec(path);
      if (!match) continue;
      const handler = route.methods[method];
      if (!handler) throw apiErrors.methodNotAllowed(method, Object.keys(route.methods));
      return { handler, param: match[1] === undefined ? undefined : decodePathPart(match[1]) };
    }
    throw apiErrors.unknownPath(path);
  }

  private model() {
    return modelEntry(this.modelId, this.bridge.loaded.info.contextLength, this.createdAt);
  }

  private async oneModel(res: ServerResponse, id: string): Promise<void> {
    if (id !== this.modelId) throw apiErrors.unknownModel(id, this.modelId);
    sendJson(res, 200, this.model());
  }

  private checkModel(asked: string | undefined): void {
    if (asked !== undefined && asked !== '' && asked !== this.modelId) throw apiErrors.unknownModel(asked, this.modelId);
  }

  private async chat(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = decodeChatRequest(await readJsonBody(req, this.options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES));
    this.checkModel(body.model);
    this.run('chat', chatGeneration(this.bridge.loaded, body, this.options), body, res);
  }

  private async completion(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = decodeCompletionRequest(await readJsonBody(req, this.options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES));
    this.checkModel(body.model);
    this.run('completion', completionGeneration(this.bridge.loaded, body, this.options), body, res);
  }

  /** Admits the generation (or answers 429 at once) and ties its life to the response's. */
  private run(endpoint: Endpoint, request: GenerationRequest, body: CommonRequest, res: ServerResponse): void {
    if (this.draining) throw apiErrors.shuttingDown();
    const maxQueue = this.options.maxQueue ?? 8;
    // --max-queue 0: the runner keeps a queue of one; here a request is admitted only when nothing runs or waits.
    if (maxQueue === 0) {
      const { active, queued } = this.bridge.status();
      if (active + queued > 0) throw apiErrors.queueFull(0, this.options.retryAfterS ?? 1);
    }
    const response = new GenerationResponse(res, {
      endpoint,
      who: newIdentity(endpoint, this.modelId, ++this.serial),
      stream: body.stream,
      includeUsage: body.includeUsage,
      retryAfterS: this.options.retryAfterS ?? 1,
      maxQueue,
      keepAliveMs: this.options.keepAliveIntervalMs ?? DEFAULT_KEEP_ALIVE_MS,
      writeStallMs: this.options.writeStallTimeoutMs ?? DEFAULT_WRITE_STALL_MS,
    });
    const running = this.bridge.generate(request, response);
    if (response.ended) return;
    response.open();
    const closed = new Promise<void>((resolve) => res.once('close', resolve));
    this.inflight.set(running.id, { cancel: running.cancel, closed });
    // A client that goes away cancels its generation: queued, it leaves; started, it stops within a step.
    void closed.then(() => {
      this.inflight.delete(running.id);
      if (!response.ended) running.cancel();
    });
  }

  private log(line: string): void {
    (this.options.log ?? ((l: string) => process.stderr.write(`${l}\n`)))(`${new Date().toISOString()} ${line}`);
  }
}
