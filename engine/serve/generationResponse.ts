// One generation's HTTP response: either server-sent events (`data: {chunk}` lines, then
// `data: [DONE]`) as the engine produces deltas, or one JSON object once it is done. A failure
// before the first byte is an ordinary error status; after the stream began it is sent as a last
// `data: {"error": …}` event without `[DONE]`, so the client knows the text is partial.
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
    const first = chunks.first(this.options.endpoint, this.options.who);
    if (first) this.res.write(sseData(first));
  }

  event(event: GenerationEvent): void {
    if (event.type === 'delta') {
      if (this.options.stream) {
        this.open();
        if (!this.gone() && event.text.length > 0) this.res.write(sseData(chunks.delta(this.options.endpoint, this.options.who, event.channel, event.text)));
      } else {
        this.text[event.channel] += event.text;
      }
      return;
    }
    this.finished = true;
    // Aborted without the client asking (it is gone otherwise): the server is shutting down.
    if (event.finishReason === 'aborted') return this.fail(apiErrors.shuttingDown());
    const { endpoint, who } = this.options;
    if (!this.options.stream) {
      return sendJson(this.res, 200, endpoint === 'chat' ? chatCompletion(who, this.text, event) : textCompletion(who, this.text, event));
    }
    this.open();
    if (this.gone()) return;
    this.res.write(sseData(chunks.last(endpoint, who, event)));
    if (this.options.includeUsage) this.res.write(sseData(chunks.usage(endpoint, who, event)));
    this.res.end(SSE_DONE);
  }

  error(error: HostError): void {
    this.finished = true;
    this.fail(httpErrorOf(error, this.options));
  }

  private fail(error: ApiError): void {
    this.finished = true;
    if (!this.opened) return sendError(this.res, error);
    if (this.gone()) return;
    this.res.end(sseData(error.body()));
  }

  private gone(): boolean {
    return this.res.writableEnded || this.res.destroyed;
  }
}
