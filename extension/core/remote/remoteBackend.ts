// An OpenAI-compatible (or Ollama) server as a GenerationBackend: completions, chat, explain and
// vscode.lm reach it through the same seam as the local engine. The protocol work (SSE, reasoning
// fields, FIM, error codes) is the remote client's (engine/remote); this class adds what the seam
// needs on top: which model answers, whether the server is reachable, a state for the status bar,
// and one failure event per failed request for the notices.
//
// A backend serves one configuration: a changed setting or API key makes a new one (backendSwitch),
// so nothing here has to notice a change halfway through a request.
import type { FimMode, RemoteApi, RemoteBackendName, RemoteEndpointConfig, RemoteGenerator } from '../../../engine/remote/remoteTypes';
import type { GenerationEvent, GenerationRequest, RequestKind } from '../../../engine/types';
import { raceAbort } from '../abort';
import { Emitter } from '../emitter';
import type { BackendCapabilities, BackendState, GenerationBackend, RemoteServer } from '../generationBackend';
import type { Logger } from '../logger';
import { parseEndpoint, type EndpointFacts } from './endpoint';
import { RemoteFailure, remoteFailureOf, type RemoteFailureInfo } from './remoteFailure';

export interface RemoteSettings {
  endpoint: string;
  api: RemoteApi;
  chatModel: string;
  completionModel: string;
  fim: FimMode;
  timeoutMs: number;
}

export interface RemoteBackendOptions {
  settings: RemoteSettings;
  /**
   * Clears the endpoint for sending (asks about plain http where needed) and returns its API key.
   * Throws a RemoteFailure (`insecure_declined`) to refuse.
   */
  authorize(facts: EndpointFacts): Promise<{ apiKey?: string }>;
  createGenerator(config: RemoteEndpointConfig): RemoteGenerator;
  log: Logger;
}

/** A failed request, for the notices: completions stay silent, chat and explain say what to do. */
export interface RemoteFailureEvent {
  failure: RemoteFailureInfo;
  kind: RequestKind;
}

interface Connected {
  generator: RemoteGenerator;
  capabilities: BackendCapabilities;
}

/** Failures after which the next request connects again (a new key, a model chosen, a server started). */
const RECONNECT_AFTER = new Set(['unauthorized', 'model_not_found', 'connection_refused', 'dns', 'timeout', 'network']);

export class RemoteBackend implements GenerationBackend {
  private readonly states = new Emitter<BackendState>();
  readonly onDidChangeState = this.states.event;
  private readonly failures = new Emitter<RemoteFailureEvent>();
  /** One event per failed request (not for cancelled ones). */
  readonly onDidFail = this.failures.event;
  private readonly disposed = new AbortController();
  private readonly endpoint: ReturnType<typeof parseEndpoint>;
  private connecting: Promise<Connected> | undefined;
  private connected: Connected | undefined;
  private phase: Extract<BackendState, { kind: 'remote' }>['phase'] = 'idle';
  private lastError: string | undefined;
  private backendName: RemoteBackendName;
  private active = 0;

  constructor(private readonly options: RemoteBackendOptions) {
    this.endpoint = parseEndpoint(options.settings.endpoint);
    this.backendName = options.settings.api === 'ollama' ? 'ollama' : 'openai-compatible';
  }

  get state(): BackendState {
    return { kind: 'remote', server: this.server(), phase: this.phase, lastError: this.lastError };
  }

  get capabilities(): BackendCapabilities | undefined {
    return this.connected?.capabilities;
  }

  /** Resolves the model (the configured one, else the server's first) and checks that the server answers. */
  prepare(): Promise<BackendCapabilities> {
    if (this.connected) return Promise.resolve(this.connected.capabilities);
    this.connecting ??= this.connect().then(
      (connected) => {
        this.connected = connected;
        this.connecting = undefined;
        this.setPhase('ready', undefined);
        return connected;
      },
      (e: unknown) => {
        this.connecting = undefined;
        this.setPhase('idle', describe(e));
        throw e;
      },
    );
    return this.connecting.then((c) => c.capabilities);
  }

  /** The models the server offers, for a picker; throws like a request would. */
  async listModels(): Promise<string[]> {
    const facts = this.facts();
    const { apiKey } = await this.options.authorize(facts);
    return this.withTimeout((signal) => this.options.createGenerator(this.config(apiKey, this.options.settings.chatModel)).listModels(signal));
  }

  async *generate(request: GenerationRequest, signal: AbortSignal): AsyncGenerator<GenerationEvent, void, undefined> {
    const abort = AbortSignal.any([signal, this.disposed.signal]);
    if (abort.aborted) return;
    this.active++;
    try {
      const ready = this.prepare();
      ready.catch(() => undefined);
      await raceAbort(ready, abort);
      const connected = this.connected;
      if (abort.aborted) this.throwIfReplaced(signal);
      if (abort.aborted || !connected) return;
      this.setPhase('generating', this.lastError);
      for await (const event of connected.generator.generate(request, abort)) yield event;
      if (!abort.aborted) this.lastError = undefined;
      else this.throwIfReplaced(signal);
    } catch (e) {
      // A cancelled request (typing on, Stop) is not a failure, whatever the client threw.
      if (abort.aborted) {
        this.throwIfReplaced(signal);
        return;
      }
      this.failed(e, request.kind);
      throw e;
    } finally {
      this.active--;
      if (!this.disposed.signal.aborted) this.setPhase(this.active > 0 ? 'generating' : this.connected ? 'ready' : 'idle', this.lastError);
    }
  }

  /**
   * A request stopped because this backend was replaced (a remote setting, the trust or the key
   * changed), not by its caller: it must not end like a complete answer, so it fails instead.
   */
  private throwIfReplaced(callerSignal: AbortSignal): void {
    if (this.disposed.signal.aborted && !callerSignal.aborted) {
      throw new RemoteFailure({ code: 'incomplete', message: 'the server settings changed while this request ran: ask again' });
    }
  }

  dispose(): void {
    this.disposed.abort();
    this.states.dispose();
    this.failures.dispose();
  }

  private async connect(): Promise<Connected> {
    const facts = this.facts();
    this.setPhase('connecting', this.lastError);
    const { apiKey } = await this.options.authorize(facts);
    const { chatModel } = this.options.settings;
    const probe = this.options.createGenerator(this.config(apiKey, chatModel));
    this.backendName = probe.backendName;
    const models = await this.withTimeout((signal) => probe.listModels(signal)).catch((e: unknown) => {
      // A configured model does not need the list: a server whose /v1/models is missing still works.
      const code = remoteFailureOf(e)?.code;
      if (chatModel && (code === 'model_not_found' || code === 'bad_request')) {
        this.options.log.info(`remote: ${facts.host} did not list its models (${describe(e)}); using ${chatModel}`);
        return undefined;
      }
      throw e;
    });
    const model = chatModel || models?.[0];
    if (!model) throw new RemoteFailure({ code: 'no_models', message: `${facts.host} lists no models: load one on the server, or set r1Local.remote.chatModel.` });
    if (chatModel && models && !models.includes(chatModel)) {
      this.options.log.warn(`remote: ${facts.host} does not list ${chatModel} (it lists ${models.join(', ') || 'nothing'})`);
    }
    const generator = chatModel ? probe : this.options.createGenerator(this.config(apiKey, model));
    this.options.log.info(`remote: ${generator.backendName} at ${facts.host} answers with ${model}`);
    return {
      generator,
      capabilities: {
        modelName: model,
        reasoning: true,
        // Servers count with their own tokenizer but do not offer it before a request: callers estimate.
        tokenCount: false,
        infill: this.options.settings.fim !== 'off',
        origin: { backend: generator.backendName, host: facts.host },
      },
    };
  }

  private config(apiKey: string | undefined, chatModel: string): RemoteEndpointConfig {
    const s = this.options.settings;
    return {
      baseUrl: s.endpoint.trim(),
      api: s.api,
      apiKey,
      chatModel,
      completionModel: s.completionModel || chatModel,
      fim: s.fim,
      firstByteTimeoutMs: s.timeoutMs,
    };
  }

  /** The client times its requests out; this bounds a list request even if a server trickles bytes forever. */
  private async withTimeout<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const timeoutMs = this.options.settings.timeoutMs;
    const timer = AbortSignal.timeout(timeoutMs);
    const signal = AbortSignal.any([timer, this.disposed.signal]);
    try {
      return await work(signal);
    } catch (e) {
      if (timer.aborted && !this.disposed.signal.aborted) {
        throw new RemoteFailure({ code: 'timeout', message: `${this.server().host} did not answer within ${Math.round(timeoutMs / 1000)} s` });
      }
      throw e;
    }
  }

  private facts(): EndpointFacts {
    if (!this.endpoint.ok) throw new RemoteFailure({ code: 'bad_endpoint', message: this.endpoint.reason });
    return this.endpoint.facts;
  }

  private failed(e: unknown, kind: RequestKind): void {
    const failure = remoteFailureOf(e);
    const text = describe(e);
    this.options.log.warn(`remote: ${kind} request to ${this.server().host} failed: ${failure ? `${failure.code}: ` : ''}${text}`);
    this.lastError = text;
    if (failure && RECONNECT_AFTER.has(failure.code)) this.connected = undefined;
    if (failure) this.failures.fire({ failure, kind });
  }

  private server(): RemoteServer {
    const s = this.options.settings;
    const host = this.endpoint.ok ? this.endpoint.facts.host : s.endpoint;
    return { backendName: this.backendName, endpoint: s.endpoint, host, api: s.api, model: this.connected?.capabilities.modelName ?? (s.chatModel || undefined) };
  }

  private setPhase(phase: RemoteBackend['phase'], lastError: string | undefined): void {
    this.phase = phase;
    this.lastError = lastError;
    this.states.fire(this.state);
  }
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
