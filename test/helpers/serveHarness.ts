// Starts `r1-local serve`'s server in-process on 127.0.0.1:0 over a generated model, and talks to
// it the way OpenAI clients do: JSON requests, and server-sent events read chunk by chunk.
import { Engine } from '../../engine/engine';
import type { FixtureModel } from '../../engine/fixtures';
import type { ServedEngine } from '../../engine/serve/runnerBridge';
import { ApiServer, type ServeOptions } from '../../engine/serve/server';
import type { GenerationEvent, GenerationRequest } from '../../engine/types';

export interface TestServer {
  server: ApiServer;
  url: string;
  /** The request lines the server logged. */
  logLines: string[];
  /** Every GenerationRequest the engine received, in order. */
  received: GenerationRequest[];
  /** What became of each of them, in the same order. */
  generations: GenerationRecord[];
  /** The length in characters of every text the server had encoded (prompts, in order). */
  encodedChars: number[];
  engine: () => Engine;
}

export interface GenerationRecord {
  /** Events the server pulled from the engine. */
  events: number;
  /** Of those, pulls that began after the request was cancelled (the client went away). */
  afterAbort: number;
  aborted: boolean;
  ended: boolean;
}

export interface TestServerOptions extends Partial<ServeOptions> {
  /** Runs before each generation's events are pulled (e.g. waits on a gate). */
  beforeGenerate?: (request: GenerationRequest) => Promise<void>;
  /** Delay added to every event (or to those of the prompts it picks), making a generation long enough to interrupt. */
  stepDelayMs?: number | ((promptText: string) => number);
  /** Each delta's text repeated this many times: a stream of megabytes from a short script. */
  inflateDeltas?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The engine as the server sees it, recording what it is asked to generate. */
function recording(engine: Engine, received: GenerationRequest[], generations: GenerationRecord[], encodedChars: number[], options: TestServerOptions): ServedEngine {
  return {
    get info() {
      return engine.info;
    },
    tokenizer: engine.tokenizer,
    encodePrompt: (prompt) => {
      encodedChars.push(prompt.type === 'text' ? prompt.text.length : prompt.type === 'infill' ? prompt.prefix.length + prompt.suffix.length : 0);
      return engine.encodePrompt(prompt);
    },
    dispose: () => engine.dispose(),
    async *generate(request: GenerationRequest, signal: AbortSignal): AsyncGenerator<GenerationEvent> {
      received.push(request);
      const record: GenerationRecord = { events: 0, afterAbort: 0, aborted: false, ended: false };
      generations.push(record);
      signal.addEventListener('abort', () => (record.aborted = true));
      try {
        await options.beforeGenerate?.(request);
        const delay = typeof options.stepDelayMs === 'function' ? options.stepDelayMs(engine.tokenizer.decode(engine.encodePrompt(request.prompt))) : options.stepDelayMs;
        const events = engine.generate(request, signal);
        try {
          for (;;) {
            // A pull that began after the cancel: a step the cancel should have spared.
            const pulledAfterAbort = signal.aborted;
            const next = await events.next();
            if (next.done) return;
            if (delay) await sleep(delay);
            record.events++;
            if (pulledAfterAbort) record.afterAbort++;
            const event = next.value;
            yield options.inflateDeltas && event.type === 'delta' ? { ...event, text: event.text.repeat(options.inflateDeltas) } : event;
          }
        } finally {
          await events.return(undefined);
        }
      } finally {
        record.ended = true;
      }
    },
  };
}

export async function startTestServer(model: FixtureModel, options: TestServerOptions = {}): Promise<TestServer> {
  const logLines: string[] = [];
  const received: GenerationRequest[] = [];
  const generations: GenerationRecord[] = [];
  const encodedChars: number[] = [];
  let loaded: Engine | undefined;
  const server = await ApiServer.start({
    host: '127.0.0.1',
    port: 0,
    log: (line) => logLines.push(line),
    ...options,
    load: { modelPath: model.dir, executionProvider: 'cpu', threads: 1 },
    loadEngine: async (load) => recording((loaded = await Engine.load(load)), received, generations, encodedChars, options),
  });
  return { server, url: server.url, logLines, received, generations, encodedChars, engine: () => loaded! };
}

export interface JsonReply {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export async function request(url: string, init: { method?: string; body?: unknown; key?: string; rawBody?: string } = {}): Promise<JsonReply> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (init.key !== undefined) headers.Authorization = `Bearer ${init.key}`;
  const body = init.rawBody ?? (init.body === undefined ? undefined : JSON.stringify(init.body));
  const res = await fetch(url, { method: init.method ?? (body === undefined ? 'GET' : 'POST'), headers, body, signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text.length > 0 ? JSON.parse(text) : undefined };
}

export interface StreamReply {
  status: number;
  headers: Headers;
  /** Parsed `data:` payloads, `[DONE]` excluded. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  chunks: any[];
  sawDone: boolean;
  /** Milliseconds from sending to the first chunk that carried generated text. */
  firstTokenMs: number | undefined;
  /** The body of a non-200 answer. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  error?: any;
  aborted: boolean;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function chunkText(chunk: any): string {
  const choice = chunk?.choices?.[0];
  if (!choice) return '';
  return (choice.text ?? '') + (choice.delta?.content ?? '') + (choice.delta?.reasoning_content ?? '');
}

/**
 * Sends a streaming request and reads its events. `abortAfterChunks`: the client disconnects after
 * that many chunks with text.
 */
export async function streamRequest(url: string, body: unknown, options: { key?: string; abortAfterChunks?: number; onFirstText?: () => void } = {}): Promise<StreamReply> {
  const controller = new AbortController();
  const timeout = setTimeout(() => controller.abort(), 60_000);
  const started = performance.now();
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (options.key !== undefined) headers.Authorization = `Bearer ${options.key}`;
  const reply: StreamReply = { status: 0, headers: new Headers(), chunks: [], sawDone: false, firstTokenMs: undefined, aborted: false };
  try {
    const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body), signal: controller.signal });
    reply.status = res.status;
    reply.headers = res.headers;
    if (res.status !== 200) {
      reply.error = JSON.parse(await res.text());
      return reply;
    }
    const decoder = new TextDecoder();
    let buffered = '';
    let textChunks = 0;
    for await (const piece of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffered += decoder.decode(piece, { stream: true });
      let cut: number;
      while ((cut = buffered.indexOf('\n\n')) >= 0) {
        const event = buffered.slice(0, cut);
        buffered = buffered.slice(cut + 2);
        if (!event.startsWith('data: ')) throw new Error(`not an SSE data line: ${JSON.stringify(event)}`);
        const data = event.slice('data: '.length);
        if (data === '[DONE]') {
          reply.sawDone = true;
          continue;
        }
        const chunk = JSON.parse(data);
        reply.chunks.push(chunk);
        if (chunkText(chunk).length > 0) {
          if (reply.firstTokenMs === undefined) {
            reply.firstTokenMs = performance.now() - started;
            options.onFirstText?.();
          }
          textChunks++;
          if (options.abortAfterChunks !== undefined && textChunks >= options.abortAfterChunks) {
            reply.aborted = true;
            controller.abort();
            return reply;
          }
        }
      }
    }
    return reply;
  } catch (err) {
    if (reply.aborted) return reply;
    throw err;
  } finally {
    clearTimeout(timeout);
  }
}

/** The text of a chat stream's chunks, per field. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function chatStreamText(chunks: any[]): { content: string; reasoningContent: string; reasoning: string } {
  const out = { content: '', reasoningContent: '', reasoning: '' };
  for (const c of chunks) {
    const d = c.choices?.[0]?.delta ?? {};
    out.content += d.content ?? '';
    out.reasoningContent += d.reasoning_content ?? '';
    out.reasoning += d.reasoning ?? '';
  }
  return out;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function completionStreamText(chunks: any[]): string {
  return chunks.map((c) => c.choices?.[0]?.text ?? '').join('');
}

/** Polls until `check` holds or `ms` passes. */
export async function eventually(check: () => boolean, ms = 5_000): Promise<boolean> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) return false;
    await sleep(10);
  }
  return true;
}
