// The server's side of the engine host's runner: HostRunner owns the engine and the scheduler, and
// answers through one `send` callback; this routes each message to the HTTP request whose id it
// carries. Every HTTP request is its own scheduler client, so no caller's request replaces another's.
import { HostRunner, type RunnerEngine } from '../host/hostRunner';
import type { HostError, HostMessage, HostStatus } from '../host/protocol';
import type { GenerationEvent, GenerationRequest, LoadOptions, ModelInfo, PromptInput } from '../types';

/** What the server needs of the engine besides generating: its tokenizer's template and prompt encoding. */
export interface ServedEngine extends RunnerEngine {
  readonly tokenizer: { chatTemplate: string | undefined; bosToken: string | undefined; eosToken: string | undefined };
  encodePrompt(prompt: PromptInput): number[];
}

export type LoadServedEngine = (options: LoadOptions) => Promise<ServedEngine>;

/** Receives one generation's events; exactly one of `done` (on a `done` event) or `error` ends it. */
export interface GenerationSink {
  event(event: GenerationEvent): void;
  error(error: HostError): void;
}

export interface RunningGeneration {
  readonly id: number;
  /** Stops it: a queued request leaves at once, a started one within one model step. */
  cancel(): void;
}

type Route = (message: HostMessage) => void;

export class RunnerBridge {
  private readonly runner: HostRunner;
  private readonly routes = new Map<number, Route>();
  private nextId = 1;
  private engine: ServedEngine | undefined;

  constructor(loadEngine: LoadServedEngine, maxQueued: number) {
    this.runner = new HostRunner({
      loadEngine: async (options) => (this.engine = await loadEngine(options)),
      send: (message) => this.route(message),
      maxQueued,
    });
  }

  /** The loaded engine (for prompts and the model's facts); throws before `load` succeeded. */
  get loaded(): ServedEngine {
    if (!this.engine) throw new Error('no model is loaded');
    return this.engine;
  }

  load(options: LoadOptions): Promise<ModelInfo> {
    return this.call((id) => ({ type: 'load', id, options })) as Promise<ModelInfo>;
  }

  status(): HostStatus {
    return this.runner.status();
  }

  /** Frees the model; requests still running end with an error. */
  async shutdown(): Promise<void> {
    await this.call((id) => ({ type: 'shutdown', id }));
    this.engine = undefined;
  }

  /**
   * Hands a request to the scheduler. A refusal decided on arrival (a full queue) reaches the sink
   * before this returns, so the caller can still answer with a status code.
   */
  generate(request: GenerationRequest, sink: GenerationSink): RunningGeneration {
    const id = this.nextId++;
    this.routes.set(id, (message) => {
      if (message.type === 'event') {
        if (message.event.type === 'done') this.routes.delete(id);
        sink.event(message.event);
      } else if (message.type === 'error') {
        this.routes.delete(id);
        sink.error(message.error);
      }
    });
    this.runner.handle({ type: 'generate', id, request }, `http-${id}`);
    return {
      id,
      cancel: () => {
        if (this.routes.has(id)) this.runner.handle({ type: 'cancel', id: this.nextId++, target: id });
      },
    };
  }

  private call(make: (id: number) => Parameters<HostRunner['handle']>[0]): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.routes.set(id, (message) => {
        this.routes.delete(id);
        if (message.type === 'result') resolve(message.result);
        else if (message.type === 'error') reject(Object.assign(new Error(message.error.message), { code: message.error.detail ?? message.error.code }));
      });
      this.runner.handle(make(id));
    });
  }

  private route(message: HostMessage): void {
    if (message.type === 'alive' || message.type === 'hello') return;
    this.routes.get(message.id)?.(message);
  }
}
