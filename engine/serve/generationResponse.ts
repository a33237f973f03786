// One generation's HTTP response: either server-sent events (`data: {chunk}` lines, then
// `data: [DONE]`) as the engine produces deltas, or one JSON object once it is done. A failure
// before the first byte is an ordinary error status; after the stream began it is sent as a last
// `data: {"error": …}` event without `[DONE]`, so the client knows the text is partial.
//
// A stream that has nothing to say for `keepAliveMs` (waiting in the queue, prefilling a long
// prompt) sends a chunk with an empty delta: clients' silence timers count events, and an SSE
// comment is no event to the openai package. A client that leaves the output unread for
// `writeStallMs` (the socket's buffer full) is cut: the response is destroyed, which cancels the
// generation, rather than buffering its output in memory.
import type { ServerResponse } from 'node:http';
import type { HostError } from '../host/protocol';
import type { GenerationEvent } from '../types';
import { ApiError, apiErrors } from './apiError';
import { chatCompletion, chunks, SSE_DONE, sseData, textCompletion, type CollectedText, type Endpoint, type ResponseIdentity } from './openaiShapes';
import { sendError, sendJson } from './respond';
import type { GenerationSink } from './runnerBridge';

export interface ResponseOptions {
  endpoint: Endpoint;
  who: ResponseIdentity;
  stream: boolean;
  includeUsage: boolean;
  /** Seconds a client refused with 429 is told to wait. */
  retryAfterS: number;
  maxQueue: number;
  /** Streams: an empty chunk after this long without output. */
  keepAliveMs: number;
  /** How long the client may leave written output unread before the response is cut. */
  writeStallMs: number;
}

/** The runner's error codes as HTTP answers. */
export function httpErrorOf(error: HostError, options: Pick<ResponseOptions, 'retryAfterS' | 'maxQueue'>): ApiError {
  switch (error.code) {
    case 'busy':
      return apiErrors.queueFull(options.maxQueue, options.retryAfterS);
    case 'bad_request':
      return new ApiError(400, 'invalid_request_error', 'invalid_request', error.message);
    case 'cancelled':
    case 'no_model':
      return apiErrors.shuttingDown();
    default:
      return apiErrors.internal(`the generation failed: ${error.message}`);
  }
}

export class GenerationResponse implements GenerationSink {
  private readonly text: CollectedText = { reasoning: '', answer: '' };
  private opened = false;
  private finished = false;
  private keepAlive: NodeJS.Timeout | undefined;
  private stall: NodeJS.Timeout | undefined;

  constructor(
    private readonly res: ServerResponse,
    private readonly options: ResponseOptions,
  ) {}

  /** True once the generation ended (done or failed), whether or not the client was still there. */
  get ended(): boolean {
    return this.finished;
  }

  /** Streams: sends the headers and the first chunk now, before the first token (and any wait in the queue). */
  open(): void {
    if (this.opened || this.finished || !this.options.stream || this.gone()) return;
    this.opened = true;
    this.res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache', 'X-Accel-Buffering': 'no' });
    this.res.flushHeaders();
    this.res.once('close', () => this.stopTimers());
    const first = chunks.first(this.options.endpoint, this.options.who);
    if (first) this.write(sseData(first));
    this.keepAlive = setTimeout(() => this.sendKeepAlive(), this.options.keepAliveMs);
    this.keepAlive.unref();
  }

  event(event: GenerationEvent): void {
    if (event.type === 'delta') {
      if (this.options.stream) {
        this.open();
        if (!this.gone() && event.text.length > 0) this.write(sseData(chunks.delta(this.options.endpoint, this.options.who, event.channel, event.text)));
      } else {
        this.text[event.channel] += event.text;
      }
      return;
    }
    this.finished = true;
    clearTimeout(this.keepAlive);
    // Aborted without the client asking (it is gone otherwise): the server is shutting down.
    if (event.finishReason === 'aborted') return this.fail(apiErrors.shuttingDown());
    const { endpoint, who } = this.options;
    if (!this.options.stream) {
      return sendJson(this.res, 200, endpoint === 'chat' ? chatCompletion(who, this.text, event) : textCompletion(who, this.text, event));
    }
    this.open();
    if (this.gone()) return;
    this.write(sseData(chunks.last(endpoint, who, event)));
    if (this.options.includeUsage) this.write(sseData(chunks.usage(endpoint, who, event)));
    this.end(SSE_DONE);
  }

  error(error: HostError): void {
    this.finished = true;
    this.fail(httpErrorOf(error, this.options));
  }

  private fail(error: ApiError): void {
    this.finished = true;
    clearTimeout(this.keepAlive);
    if (!this.opened) return sendError(this.res, error);
    if (this.gone()) return;
    this.end(sseData(error.body()));
  }

  private gone(): boolean {
    return this.res.writableEnded || this.res.destroyed;
  }

  private write(text: string): void {
    this.keepAlive?.refresh();
    if (!this.res.write(text)) this.watchStall();
  }

  /** What is still buffered when the response ends must reach the client within the bound too. */
  private end(text: string): void {
    this.write(text);
    this.res.end();
  }

  private sendKeepAlive(): void {
    if (this.finished || this.gone()) return;
    // Output the client has not read yet already says the server is alive.
    if (this.res.writableNeedDrain) return void this.keepAlive?.refresh();
    this.write(sseData(chunks.keepAlive(this.options.endpoint, this.options.who)));
  }

  /** The client stopped reading: unless it drains within the bound, the response is destroyed. */
  private watchStall(): void {
    if (this.stall) return;
    const cleared = () => {
      clearTimeout(this.stall);
      this.stall = undefined;
      this.res.off('drain', cleared);
      this.res.off('finish', cleared);
    };
    this.stall = setTimeout(() => {
      cleared();
      this.res.destroy();
    }, this.options.writeStallMs);
    this.stall.unref();
    this.res.once('drain', cleared);
    this.res.once('finish', cleared);
  }

  private stopTimers(): void {
    clearTimeout(this.keepAlive);
    clearTimeout(this.stall);
    this.stall = undefined;
  }
}
