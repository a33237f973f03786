// The heart of the shared engine: many windows, each on its own connection, speaking the host
// protocol (engine/host/protocol.ts) to one process that keeps one HostRunner per model folder.
// Sockets, files and timers live in main.ts; this class only sees sessions with a `send`, so the
// unit tests drive it with an in-memory engine.
//
// Rules:
// - Windows that use the same model folder share one loaded model. The first `load` of a folder
//   loads it with that window's options (provider, threads); later windows get the loaded model as
//   it is (reloading would abort the other windows' requests).
// - A window's `unload` or `shutdown` (or its connection closing) detaches that window only: its
//   requests are cancelled and its cache slots dropped. The model is freed when no window uses it.
// - Request ids are chosen by each window: every request gets a process-wide id on its way to the
//   runner and its own id back on the answers, so two windows' request 7 never meet.
// - Windows share one queue of a model's requests (MAX_QUEUED_PER_MODEL), but no window can take
//   it over: a window may have at most MAX_UNFINISHED_PER_WINDOW chat or explain requests
//   unfinished (waiting or running); beyond that that window, and only it, gets `busy`. So one
//   runaway window leaves most of the queue to the others, and a window's chat waits behind at most
//   that many of each other window's (chats and explains run one at a time, oldest first).
//   Completions are not counted: a window's newer completion replaces its older ones, so a window
//   never has more than one waiting. Each connection is its own scheduler client, so "a newer
//   completion replaces the older one" applies within a window, never across windows.
// - Each window keeps its own prefix-cache slots: a request's slot becomes `<client>:<slot>`, so
//   switching windows does not recompute the other window's context. The engine keeps at most
//   SHARED_CACHE_SLOTS slots and releases the least recently used beyond that (prefixCache.ts), so
//   the windows used least recently lose their slots first. A slot of the real 1.5B model holds
//   56 KiB per token (28 layers × K and V × 2 KV heads × 128 × 4 bytes): 8 slots of 2,048 tokens
//   are about 0.9 GB, against a separate process with its own 1.2+ GB of weights per window.
import { resolve } from 'node:path';
import { decodeHostRequest } from '../host/decodeRequest';
import { HostRunner, type RunnerEngine, type RunnerOptions } from '../host/hostRunner';
import type { HostError, HostMessage, HostRequest, HostResults, HostStatus, SharedEngineStatus, TokenCountInput } from '../host/protocol';
import type { GenerationRequest, LoadOptions, ModelInfo } from '../types';
import type { ClientRole } from './handshake';

/** Prefix-cache slots of one shared model: about three windows' completion, chat and explain slots. */
export const SHARED_CACHE_SLOTS = 8;

/** Requests of all windows that may wait on one model before new ones get `busy`. */
export const MAX_QUEUED_PER_MODEL = 16;

/** Chat and explain requests one window may have unfinished (running or waiting); a quarter of the queue. */
export const MAX_UNFINISHED_PER_WINDOW = 4;

/** What the shared engine needs of a loaded model: the runner's needs, plus dropping a window's slots. */
export interface SharedModelEngine extends RunnerEngine {
  dropSlot(slot: string): void;
}

export interface SharedEngineOptions {
  /** Loads a model; the daemon passes SHARED_CACHE_SLOTS on to the engine. */
  loadEngine: (options: LoadOptions) => Promise<SharedModelEngine>;
  countTokens?: (modelPath: string, input: TokenCountInput) => number;
  rssBytes?: () => number;
  now?: () => number;
  log?: (line: string) => void;
  /** Passed to every runner (tests shorten the delta coalescing). Default maxQueued: MAX_QUEUED_PER_MODEL. */
  runner?: Pick<RunnerOptions, 'coalesceMs' | 'aliveIntervalMs' | 'maxQueued'>;
  /** Default: MAX_UNFINISHED_PER_WINDOW. */
  maxUnfinishedPerWindow?: number;
}

/** One connection's view of the shared engine. */
export interface SessionPort {
  send(message: HostMessage): void;
  /** Ends the connection (after `shutdown`). */
  close(): void;
}

type RouteType = 'generate' | 'cancel' | 'load' | 'unload';

interface Route {
  type: RouteType;
  /** A generate request's kind: only chat and explain count against the window's share. */
  kind?: GenerationRequest['kind'];
  entry: ModelEntry;
  /** Undefined for the shared engine's own requests (a load shared by several windows, an unload). */
  session?: Session;
  localId: number;
  internal?: { resolve(result: unknown): void; reject(error: HostError): void };
}

interface ModelEntry {
  readonly path: string;
  readonly runner: HostRunner;
  readonly sessions: Set<Session>;
  engine: SharedModelEngine | undefined;
  /** The current load, in flight or done; undefined when unloaded. */
  loaded: Promise<ModelInfo> | undefined;
}

class Session {
  model: ModelEntry | undefined;
  /** This window's ids of its live requests → process-wide ids. */
  readonly live = new Map<number, number>();
  /** Prefix-cache slots this window used on its current model. */
  readonly slots = new Set<string>();
  closed = false;

  constructor(
    readonly key: string,
    /** The window's own name: windows are counted by it (its chat and completion engines are one window). */
    readonly client: string,
    readonly role: ClientRole,
    readonly port: SessionPort,
  ) {}
}

export interface SessionHandle {
  readonly key: string;
  /** One decoded-from-JSON message from the window. */
  handle(raw: unknown): void;
  /** The connection closed: detach, cancel what the window left running. */
  close(): void;
}

export class SharedEngine {
  private readonly models = new Map<string, ModelEntry>();
  private readonly sessions = new Set<Session>();
  private readonly routes = new Map<number, Route>();
  private nextId = 1;
  private readonly startedAt: number;
  private readonly now: () => number;

  constructor(private readonly options: SharedEngineOptions) {
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
  }

  open(key: string, client: string, role: ClientRole, port: SessionPort): SessionHandle {
    const session = new Session(key, client, role, port);
    this.sessions.add(session);
    return {
      key,
      handle: (raw) => this.handle(session, raw),
      close: () => this.close(session),
    };
  }

  /** Windows connected (by their own name), and the models in use. */
  sharedStatus(): SharedEngineStatus {
    const windows = new Set([...this.sessions].filter((s) => s.role === 'window').map((s) => s.client));
    const models = [...this.models.values()]
      .filter((e) => e.sessions.size > 0)
      .map((e) => ({ modelPath: e.path, windows: new Set([...e.sessions].map((s) => s.client)).size }));
    return { windows: windows.size, models, uptimeMs: this.now() - this.startedAt };
  }

  private handle(session: Session, raw: unknown): void {
    if (session.closed) return;
    const decoded = decodeHostRequest(raw);
    if (!decoded.ok) return this.fail(session, decoded.id ?? -1, { code: 'bad_request', message: decoded.message });
    const message = decoded.value;
    if (session.role === 'status' && message.type !== 'status') {
      return this.fail(session, message.id, { code: 'bad_request', message: 'a status connection may only ask for the status' });
    }
    switch (message.type) {
      case 'generate':
        return this.generate(session, message);
      case 'cancel': {
        const target = session.live.get(message.target);
        // The runner the request went to (the window may have switched models since).
        const entry = target === undefined ? undefined : this.routes.get(target)?.entry;
        if (target === undefined || !entry) return this.reply(session, message.id, null);
        return entry.runner.handle({ type: 'cancel', id: this.route({ type: 'cancel', entry, session, localId: message.id }), target }, session.key);
      }
      case 'load':
        return void this.attach(session, message.options).then(
          (info) => this.reply(session, message.id, info),
          (error: HostError) => this.fail(session, message.id, error),
        );
      case 'unload':
        this.detach(session);
        return this.reply(session, message.id, null);
      case 'status':
        return this.reply(session, message.id, this.statusFor(session));
      case 'countTokens':
        return this.countTokens(session, message.id, message.modelPath, message.input);
      case 'shutdown':
        // Only this window leaves; the process stays for the others (and exits when idle).
        this.detach(session);
        this.reply(session, message.id, null);
        return session.port.close();
    }
  }

  private generate(session: Session, message: Extract<HostRequest, { type: 'generate' }>): void {
    const entry = session.model;
    if (!entry) return this.fail(session, message.id, { code: 'no_model', message: 'no model is loaded: send `load` first' });
    if (session.live.has(message.id)) return this.fail(session, message.id, { code: 'bad_request', message: `request id ${message.id} is already in use` });
    const { kind } = message.request;
    const share = this.options.maxUnfinishedPerWindow ?? MAX_UNFINISHED_PER_WINDOW;
    if (kind !== 'completion' && this.unfinishedBesideCompletions(session) >= share) {
      return this.fail(session, message.id, { code: 'busy', message: `the shared engine is busy: this window already has ${share} chat or explain requests waiting or running` });
    }
    const slot = `${session.key}:${message.request.slot ?? kind}`;
    session.slots.add(slot);
    const id = this.route({ type: 'generate', kind, entry, session, localId: message.id });
    session.live.set(message.id, id);
    entry.runner.handle({ type: 'generate', id, request: { ...message.request, slot } }, session.key);
  }

  /** The window's chat and explain requests not finished yet (on any model). */
  private unfinishedBesideCompletions(session: Session): number {
    let n = 0;
    for (const id of session.live.values()) if (this.routes.get(id)?.kind !== 'completion') n++;
    return n;
  }

  private countTokens(session: Session, id: number, modelPath: string, input: TokenCountInput): void {
    if (!this.options.countTokens) return this.fail(session, id, { code: 'bad_request', message: 'this engine does not count tokens' });
    try {
      this.reply(session, id, this.options.countTokens(modelPath, input));
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      const error: HostError = { code: 'load_failed', message: `could not count tokens with the tokenizer of ${modelPath}: ${(e as Error).message}` };
      this.fail(session, id, typeof code === 'string' ? { ...error, detail: code } : error);
    }
  }

  private statusFor(session: Session): HostStatus {
    const base: HostStatus = session.model?.runner.status() ?? {
      pid: process.pid,
      modelState: 'unloaded',
      rssBytes: this.options.rssBytes?.() ?? process.memoryUsage.rss(),
      queued: 0,
      active: 0,
    };
    return { ...base, shared: this.sharedStatus() };
  }

  /** Attaches the window to its folder's model, loading it if it is the first. */
  private attach(session: Session, options: LoadOptions): Promise<ModelInfo> {
    const path = resolve(options.modelPath);
    if (session.model && session.model.path !== path) this.detach(session);
    const entry = this.models.get(path) ?? this.createEntry(path);
    session.model = entry;
    entry.sessions.add(session);
    if (!entry.loaded) {
      const loaded = this.call<ModelInfo>(entry, 'load', { type: 'load', id: 0, options: { ...options, modelPath: path } });
      entry.loaded = loaded;
      loaded.then(
        (info) => this.options.log?.(`model loaded from ${info.modelPath} (${info.executionProvider}, ${info.threads} threads) in ${Math.round(info.loadMs)} ms`),
        (error: HostError) => {
          this.options.log?.(`loading ${path} failed: ${error.message}`);
          if (entry.loaded === loaded) entry.loaded = undefined;
        },
      );
    }
    return entry.loaded;
  }

  /** The window leaves its model: its requests stop, its slots go, and the model with the last window. */
  private detach(session: Session): void {
    const entry = session.model;
    if (!entry) return;
    session.model = undefined;
    entry.sessions.delete(session);
    for (const target of session.live.values()) {
      entry.runner.handle({ type: 'cancel', id: this.route({ type: 'cancel', entry, localId: -1, internal: ignore }), target }, session.key);
    }
    // A slot still pinned by a cancelled generation is dropped once that generation ends.
    if (session.live.size === 0) this.dropSlots(session, entry);
    if (entry.sessions.size === 0 && entry.loaded) {
      entry.loaded = undefined;
      this.options.log?.(`no window uses ${entry.path} any more: unloading it`);
      this.call(entry, 'unload', { type: 'unload', id: 0 }).catch(() => undefined);
    }
  }

  private close(session: Session): void {
    if (session.closed) return;
    session.closed = true;
    this.detach(session);
    this.sessions.delete(session);
  }

  private dropSlots(session: Session, entry: ModelEntry): void {
    for (const slot of session.slots) entry.engine?.dropSlot(slot);
    session.slots.clear();
  }

  private createEntry(path: string): ModelEntry {
    const entry: ModelEntry = {
      path,
      sessions: new Set(),
      engine: undefined,
      loaded: undefined,
      runner: new HostRunner({
        ...this.options.runner,
        maxQueued: this.options.runner?.maxQueued ?? MAX_QUEUED_PER_MODEL,
        send: (message) => this.fromRunner(entry, message),
        rssBytes: this.options.rssBytes,
        loadEngine: async (options) => {
          const engine = await this.options.loadEngine(options);
          entry.engine = engine;
          return {
            get info() {
              return engine.info;
            },
            generate: (request, signal) => engine.generate(request, signal),
            dispose: async () => {
              if (entry.engine === engine) entry.engine = undefined;
              await engine.dispose();
            },
          };
        },
      }),
    };
    this.models.set(path, entry);
    return entry;
  }

  /** Sends the shared engine's own request to a runner; settles with its answer. */
  private call<T>(entry: ModelEntry, type: 'load' | 'unload', request: HostRequest): Promise<T> {
    return new Promise<T>((resolvePromise, reject) => {
      const id = this.route({ type, entry, localId: -1, internal: { resolve: (r) => resolvePromise(r as T), reject } });
      entry.runner.handle({ ...request, id });
    });
  }

  private route(route: Route): number {
    const id = this.nextId++;
    this.routes.set(id, route);
    return id;
  }

  /** A runner's message, back to the window that asked, under that window's id. */
  private fromRunner(entry: ModelEntry, message: HostMessage): void {
    if (message.type === 'hello') return;
    if (message.type === 'alive') {
      // Every window waiting on this model hears it: their watchdogs must not take a long step of
      // another window's chat for a hung engine.
      for (const session of entry.sessions) session.port.send(message);
      return;
    }
    const route = this.routes.get(message.id);
    if (!route) return;
    const final = message.type !== 'event' || message.event.type === 'done';
    if (final) this.routes.delete(message.id);
    if (route.internal) {
      if (message.type === 'result') route.internal.resolve(message.result);
      else if (message.type === 'error') route.internal.reject(message.error);
      return;
    }
    const session = route.session!;
    if (!session.closed) session.port.send({ ...message, id: route.localId });
    if (final && route.type === 'generate') {
      session.live.delete(route.localId);
      // Detached while this one was still running: now its slots can go.
      if (session.model !== route.entry && session.live.size === 0) this.dropSlots(session, route.entry);
    }
  }

  private reply(session: Session, id: number, result: HostResults[keyof HostResults]): void {
    if (!session.closed) session.port.send({ type: 'result', id, result });
  }

  private fail(session: Session, id: number, error: HostError): void {
    if (!session.closed) session.port.send({ type: 'error', id, error });
  }
}

const ignore = { resolve: () => undefined, reject: () => undefined };
