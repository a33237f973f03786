// Engine host processes without processes: what the supervisor's rules are tested with. Each fake
// answers `load` with the info its test set for that model folder, `status` with a fixed report,
// `generate` with whatever the test scripts (by default one delta and a done), and exits when told
// to shut down, is killed, or crashes on request.
import type { HostMessage, HostRequest } from '../../engine/host/protocol';
import type { GenerationEvent, GenerationRequest, ModelInfo } from '../../engine/types';
import type { HostHandlers, HostProcess, SpawnHost } from '../../extension/engine/hostProcess';
import { fakeStats } from '../unit/completionFakes';

export const FIM_TOKENS = { prefix: '<|fim_prefix|>', suffix: '<|fim_suffix|>', middle: '<|fim_middle|>' };

/** ModelInfo for a model folder, as the real host would report it (only the fields tests read matter). */
export function fakeModelInfo(modelPath: string, modelName: string, fim = /coder/i.test(modelName)): ModelInfo {
  return {
    modelPath,
    modelName,
    fimTokens: fim ? FIM_TOKENS : undefined,
    style: 'optimum',
    onnxFile: 'onnx/model_q4.onnx',
    executionProvider: 'cpu',
    requestedProvider: 'cpu',
    threads: 1,
    vocabSize: 100,
    contextLength: 4096,
    kvDtype: 'float32',
    numLayers: 2,
    loadMs: 1,
    runtime: { graph: 'rewritten', kvCache: 'in-place' },
  };
}

export function doneEvent(finishReason: 'eos' | 'aborted' = 'eos'): GenerationEvent {
  return { type: 'done', finishReason, reasoningUnterminated: false, reasoningBudgetForced: false, tokenIds: [], stats: fakeStats };
}

export class FakeHostProcess implements HostProcess {
  alive = true;
  readonly sent: HostRequest[] = [];
  /** Generate requests answered by the test (see `FakeHosts.autoAnswer`). */
  readonly generating = new Map<number, GenerationRequest>();

  constructor(
    readonly pid: number,
    private readonly handlers: HostHandlers,
    private readonly hosts: FakeHosts,
  ) {}

  send(request: HostRequest): void {
    if (!this.alive) throw new Error('the engine host is not running');
    this.sent.push(request);
    // Answers arrive asynchronously, as over IPC.
    queueMicrotask(() => this.answer(request));
  }

  emit(message: HostMessage): void {
    if (this.alive) this.handlers.onMessage(message);
  }

  kill(): void {
    this.exit(null, 'SIGKILL');
  }

  crash(): void {
    this.exit(1, null);
  }

  async stop(requestId: number, _graceMs: number): Promise<void> {
    this.send({ type: 'shutdown', id: requestId });
    await new Promise((resolve) => setImmediate(resolve));
  }

  private exit(code: number | null, signal: NodeJS.Signals | null): void {
    if (!this.alive) return;
    this.alive = false;
    this.handlers.onExit({ code, signal });
  }

  private answer(request: HostRequest): void {
    if (!this.alive) return;
    switch (request.type) {
      case 'load': {
        const info = this.hosts.models.get(request.options.modelPath);
        if (this.hosts.holdLoads) return;
        if (info) this.emit({ type: 'result', id: request.id, result: info });
        else this.emit({ type: 'error', id: request.id, error: { code: 'load_failed', message: `no model at ${request.options.modelPath}`, detail: 'not-found' } });
        return;
      }
      case 'status':
        this.emit({ type: 'result', id: request.id, result: { pid: this.pid, modelState: 'ready', rssBytes: 2 ** 30, queued: 0, active: this.generating.size } });
        return;
      case 'generate':
        this.generating.set(request.id, request.request);
        if (this.hosts.autoAnswer) this.finish(request.id, 'ok');
        return;
      case 'cancel':
        this.emit({ type: 'result', id: request.id, result: null });
        if (this.generating.has(request.target)) this.finish(request.target, undefined, 'aborted');
        return;
      case 'unload':
        this.emit({ type: 'result', id: request.id, result: null });
        return;
      case 'shutdown':
        this.emit({ type: 'result', id: request.id, result: null });
        this.exit(0, null);
        return;
    }
  }

  /** Ends generation `id` with an optional delta. */
  finish(id: number, text?: string, finishReason: 'eos' | 'aborted' = 'eos'): void {
    this.generating.delete(id);
    if (text) this.emit({ type: 'event', id, event: { type: 'delta', channel: 'answer', text, tokenIds: [1] } });
    this.emit({ type: 'event', id, event: doneEvent(finishReason) });
  }
}

export class FakeHosts {
  readonly spawned: FakeHostProcess[] = [];
  /** What `load` answers per model folder; a folder not listed fails with load_failed. */
  readonly models = new Map<string, ModelInfo>();
  /** Generations end at once with the text "ok"; false: the test ends them. */
  autoAnswer = true;
  /** Loads never answer (a hung load). */
  holdLoads = false;
  /** The next spawns fail to start. */
  failStarts = 0;

  readonly spawn: SpawnHost = async (handlers) => {
    if (this.failStarts > 0) {
      this.failStarts--;
      throw new Error('the engine host exited during start (code 1, signal null)');
    }
    const host = new FakeHostProcess(1000 + this.spawned.length, handlers, this);
    this.spawned.push(host);
    return host;
  };

  get last(): FakeHostProcess {
    const host = this.spawned.at(-1);
    if (!host) throw new Error('no engine host was started');
    return host;
  }

  /** Prompts of every generate request sent to any host, in order. */
  prompts(): string[] {
    return this.spawned.flatMap((h) => h.sent).flatMap((r) => (r.type === 'generate' && r.request.prompt.type === 'text' ? [r.request.prompt.text] : []));
  }
}
