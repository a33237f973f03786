// One live engine host process and the requests in flight on it: ids, routing of answers and
// streamed events, typed one-shot calls, cancellation. When the process goes, `failAll` ends every
// request with the reason. Starting, stopping and restarting processes is the supervisor's job.
import type { GenerationEvent, GenerationRequest } from '../../engine/types';
import type { HostMessage, HostRequest, HostResults } from '../../engine/host/protocol';
import { AsyncQueue } from '../core/asyncQueue';
import type { Clock } from '../core/clock';
import type { Logger } from '../core/logger';
import { EngineError, errorText } from './engineError';
import type { HostProcess } from './hostProcess';

type RequestBody<K extends keyof HostResults> = Omit<Extract<HostRequest, { type: K }>, 'id' | 'type'>;

interface PendingStream {
  readonly type: 'stream';
  readonly queue: AsyncQueue<GenerationEvent>;
  cancelRequested: boolean;
}

interface PendingCall {
  readonly type: 'call';
  resolve(result: unknown): void;
  reject(error: EngineError): void;
}

export interface ConnectionHooks {
  /** A stream opened or closed, or delivered tokens: for telemetry. */
  onStreamOpened(): void;
  onTokens(count: number): void;
  onStreamClosed(): void;
}

export class HostConnection {
  /** Last time a message went either way: what the watchdog measures silence from. */
  lastActivityAt: number;
  /** Set when the supervisor killed the process on purpose; the exit then reports this reason. */
  killedBecause: { code: 'step_timeout'; reason: string } | undefined;
  private readonly pending = new Map<number, PendingStream | PendingCall>();
  private nextId = 1;

  constructor(
    readonly process: HostProcess,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly hooks: ConnectionHooks,
  ) {
    this.lastActivityAt = clock.now();
  }

  get pid(): number {
    return this.process.pid;
  }

  get streaming(): boolean {
    return [...this.pending.values()].some((p) => p.type === 'stream');
  }

  get idle(): boolean {
    return this.pending.size === 0;
  }

  /** Sends a request that answers once; resolves with its typed result. */
  call<K extends keyof HostResults>(type: K, body: RequestBody<K>): Promise<HostResults[K]> {
    const id = this.nextId++;
    return new Promise<HostResults[K]>((resolve, reject) => {
      // The host answers `type` with HostResults[type]; the decoder checked the envelope.
      this.pending.set(id, { type: 'call', resolve: (r) => resolve(r as HostResults[K]), reject });
      try {
        this.send({ ...body, type, id } as HostRequest);
      } catch (e) {
        this.pending.delete(id);
        reject(new EngineError('host_crashed', errorText(e)));
      }
    });
  }

  /**
   * Streams a generation. Aborting `signal` asks the host to stop; the stream then ends quietly.
   * Failures throw an EngineError whose `code` says what happened.
   */
  async *generate(request: GenerationRequest, signal: AbortSignal | undefined): AsyncGenerator<GenerationEvent, void, undefined> {
    const id = this.nextId++;
    const stream: PendingStream = { type: 'stream', queue: new AsyncQueue(), cancelRequested: false };
    this.pending.set(id, stream);
    this.hooks.onStreamOpened();
    const requestCancel = (): void => {
      if (stream.cancelRequested || !this.pending.has(id)) return;
      stream.cancelRequested = true;
      this.trySend({ type: 'cancel', id: this.nextId++, target: id });
    };
    signal?.addEventListener('abort', requestCancel, { once: true });
    this.log.debug(`generate #${id} (${request.kind}, max ${request.maxNewTokens} tokens)`);
    this.log.trace(`generate #${id} prompt: ${JSON.stringify(request.prompt)}`);
    try {
      this.trySend({ type: 'generate', id, request });
      for await (const event of stream.queue) {
        yield event;
        if (event.type === 'done') return;
      }
    } finally {
      signal?.removeEventListener('abort', requestCancel);
      // The consumer stopped pulling early: stop the host's work too. The entry stays until the
      // host confirms, so late messages are absorbed.
      if (this.pending.has(id)) requestCancel();
    }
  }

  /** Asks the process to free the model and exit; kills it after `graceMs`. */
  shutdown(graceMs: number): Promise<void> {
    return this.process.stop(this.nextId++, graceMs);
  }

  /** Routes one message from the host to the request it answers. */
  route(message: HostMessage): void {
    this.lastActivityAt = this.clock.now();
    if (message.type === 'alive' || message.type === 'hello') return;
    const pending = this.pending.get(message.id);
    if (!pending) return;
    if (pending.type === 'call') {
      this.pending.delete(message.id);
      if (message.type === 'result') pending.resolve(message.result);
      else if (message.type === 'error') pending.reject(new EngineError(message.error.code, message.error.message, message.error.detail));
      return;
    }
    if (message.type === 'event') {
      pending.queue.push(message.event);
      if (message.event.type === 'done') this.close(message.id, pending);
      else this.hooks.onTokens(message.event.tokenIds.length);
    } else if (message.type === 'error') {
      const { code, message: text, detail } = message.error;
      this.close(message.id, pending, new EngineError(code, text, detail));
    }
  }

  /** The process is gone (or going): every request ends with `error`. */
  failAll(error: EngineError): void {
    for (const [id, pending] of this.pending) {
      if (pending.type === 'call') {
        this.pending.delete(id);
        pending.reject(error);
      } else {
        this.close(id, pending, error);
      }
    }
  }

  private close(id: number, stream: PendingStream, error?: EngineError): void {
    this.pending.delete(id);
    // The caller asked for the stop: end quietly instead of throwing at it.
    if (!error || (stream.cancelRequested && error.code === 'cancelled')) stream.queue.end();
    else stream.queue.fail(error);
    this.hooks.onStreamClosed();
  }

  private send(request: HostRequest): void {
    this.lastActivityAt = this.clock.now();
    this.process.send(request);
  }

  private trySend(request: HostRequest): void {
    try {
      this.send(request);
    } catch (e) {
      // The exit handler fails every pending request of this process with the reason.
      this.log.warn(`could not send ${request.type}: ${errorText(e)}`);
    }
  }
}
