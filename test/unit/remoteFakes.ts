// Fakes for the remote backend's tests: a scripted RemoteGenerator, a recording logger, errors
// shaped like the remote client's RemoteError, and an in-memory secret storage.
import type { RemoteBackendName, RemoteEndpointConfig, RemoteErrorInfo, RemoteGenerator } from '../../engine/remote/remoteTypes';
import type { GenerationEvent, GenerationRequest } from '../../engine/types';
import type { Logger } from '../../extension/core/logger';
import type { SecretStore } from '../../extension/core/remote/apiKey';
import { RemoteBackend, type RemoteSettings } from '../../extension/core/remote/remoteBackend';

/** Shaped like engine/remote/remoteError.ts's RemoteError (read by its fields). */
export class FakeRemoteError extends Error {
  override readonly name = 'RemoteError';
  readonly code: RemoteErrorInfo['code'];
  readonly status?: number;
  readonly retryAfterMs?: number;
  readonly availableModels?: string[];
  constructor(info: RemoteErrorInfo) {
    super(info.message);
    this.code = info.code;
    this.status = info.status;
    this.retryAfterMs = info.retryAfterMs;
    this.availableModels = info.availableModels;
  }
}

export function doneEvent(): GenerationEvent {
  return {
    type: 'done',
    finishReason: 'eos',
    reasoningUnterminated: false,
    reasoningBudgetForced: false,
    tokenIds: [],
    stats: { promptTokens: 5, prefilledTokens: 5, reusedTokens: 0, generatedTokens: 3, reasoningTokens: 1, ttftMs: 10, prefillTokPerS: 0, decodeTokPerS: 30, totalMs: 100, executionProvider: 'remote' },
  };
}

export const delta = (channel: 'reasoning' | 'answer', text: string): GenerationEvent => ({ type: 'delta', channel, text, tokenIds: [] });

export interface GeneratorScript {
  models?: string[] | Error;
  /** Events of each generate call; an Error in the list is thrown at that point. */
  events?: Array<GenerationEvent | Error>;
  /** Waits for abort before finishing (a server that keeps streaming). */
  hang?: boolean;
}

export class FakeGenerator implements RemoteGenerator {
  readonly backendName: RemoteBackendName;
  readonly requests: GenerationRequest[] = [];
  listCalls = 0;
  abortedOnWire = false;
  constructor(readonly config: RemoteEndpointConfig, private readonly script: GeneratorScript) {
    this.backendName = config.api === 'ollama' ? 'ollama' : 'openai-compatible';
  }
  async listModels(): Promise<string[]> {
    this.listCalls++;
    if (this.script.models instanceof Error) throw this.script.models;
    return this.script.models ?? ['deepseek-r1:7b', 'qwen2.5-coder:1.5b'];
  }
  async *generate(request: GenerationRequest, signal: AbortSignal): AsyncIterable<GenerationEvent> {
    this.requests.push(request);
    for (const event of this.script.events ?? [delta('reasoning', 'hmm'), delta('answer', 'ok'), doneEvent()]) {
      if (event instanceof Error) throw event;
      yield event;
    }
    if (this.script.hang) {
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      this.abortedOnWire = true;
    }
  }
}

export class RecordingLogger implements Logger {
  readonly lines: string[] = [];
  trace = (m: string) => void this.lines.push(`trace ${m}`);
  debug = (m: string) => void this.lines.push(`debug ${m}`);
  info = (m: string) => void this.lines.push(`info ${m}`);
  warn = (m: string) => void this.lines.push(`warn ${m}`);
  error = (m: string | Error) => void this.lines.push(`error ${String(m)}`);
}

export const remoteSettings = (over: Partial<RemoteSettings> = {}): RemoteSettings => ({
  endpoint: 'http://127.0.0.1:8080/v1',
  api: 'openai',
  chatModel: '',
  completionModel: '',
  fim: 'auto',
  timeoutMs: 5000,
  ...over,
});

export function remoteBackend(script: GeneratorScript = {}, over: Partial<RemoteSettings> = {}, apiKey = 'sk-secret-123') {
  const generators: FakeGenerator[] = [];
  const log = new RecordingLogger();
  const backend = new RemoteBackend({
    settings: remoteSettings(over),
    authorize: async () => ({ apiKey }),
    createGenerator: (config) => {
      const g = new FakeGenerator(config, script);
      generators.push(g);
      return g;
    },
    log,
  });
  return { backend, generators, log };
}

export class MemorySecrets implements SecretStore {
  readonly data = new Map<string, string>();
  async get(name: string) {
    return this.data.get(name);
  }
  async store(name: string, value: string) {
    this.data.set(name, value);
  }
  async delete(name: string) {
    this.data.delete(name);
  }
}
