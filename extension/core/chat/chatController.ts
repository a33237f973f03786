// The chat's logic on the extension side, free of VS Code at runtime so tests drive it with fakes:
// it owns the current conversation, runs one generation at a time, streams its events to the
// webview (once the webview said `ready`), persists finished turns and handles every validated
// message from the webview.
import type { GenerationStream } from '../../../engine/generation/generationStream';
import type { GenerationEvent, GenerationRequest } from '../../../engine/types';
import { activeTurn, applyTurnEvent, emptyConversation, setReasoningExpanded, type TurnEvent } from '../../../engine/common/chat/conversation';
import { CHAT_PROTOCOL_VERSION } from '../../../engine/common/chat/protocolVersion';
import type {
  ChatSnapshot,
  ChatTurn,
  Conversation,
  HostToWebview,
  ModelAvailability,
  ModelSetupCommand,
  ReasoningBudget,
  TurnStats,
  WebviewToHost,
} from '../../../engine/common/chat/protocol';
import type { BackendCapabilities } from '../generationBackend';
import { remoteFailureOf } from '../remote/remoteFailure';
import { answeredBy } from './answeredBy';
import type { ConversationStore } from './conversationStore';
import { validateWebviewMessage } from './messageValidation';
import { type ChatGenerationSettings, buildChatRequest, chatMessages } from './promptBuilder';

export interface ChatLog {
  info(message: string): void;
  warn(message: string): void;
}

/** What the controller needs from the editor; implemented with VS Code APIs in editorActions.ts. */
export interface ChatEnvironment {
  log: ChatLog;
  generationSettings(): ChatGenerationSettings;
  defaultBudget(): ReasoningBudget;
  saveBudget(budget: ReasoningBudget): void;
  modelAvailability(): ModelAvailability;
  copyCode(code: string): void | Thenable<void>;
  insertCode(code: string): void | Thenable<void>;
  openLink(url: string): void | Thenable<void>;
  runCommand(command: ModelSetupCommand): void | Thenable<unknown>;
  now(): number;
  newId(): string;
}

export type TurnStart = 'started' | 'busy' | 'noModel';

/** What the chat generates with; `capabilities` (once known) names who answered each turn. */
export type ChatBackend = GenerationStream & { readonly capabilities?: BackendCapabilities };

/** A way to post to the webview; absent while the view is not resolved. */
export type Poster = (message: HostToWebview) => void;

interface RunningTurn {
  turnId: string;
  abort: AbortController;
}

export class ChatController {
  private conversation: Conversation;
  private budget: ReasoningBudget;
  private poster: Poster | undefined;
  private ready = false;
  private running: RunningTurn | undefined;
  private idle: Promise<void> = Promise.resolve();

  constructor(private readonly backend: ChatBackend, private readonly store: ConversationStore, private readonly env: ChatEnvironment) {
    // Reopen the most recent conversation; a turn left streaming by a closed window ended there.
    const latest = store.list()[0];
    this.conversation = latest ? settleInterrupted(latest, env.now()) : emptyConversation(env.newId(), env.now());
    this.budget = env.defaultBudget();
  }

  /** The view was (re)created: hold posts until it says `ready`. */
  attach(poster: Poster): void {
    this.poster = poster;
    this.ready = false;
  }

  detach(): void {
    this.poster = undefined;
    this.ready = false;
  }

  /**
   * The view became visible again. If VS Code kept the webview it missed nothing but gets a fresh
   * snapshot anyway; if it re-created it, the new page says `ready` and gets one then.
   */
  resync(): void {
    this.post({ v: CHAT_PROTOCOL_VERSION, type: 'snapshot', snapshot: this.snapshot() });
  }

  /** A webview is attached and has said `ready`: what it is sent is shown. */
  get viewReady(): boolean {
    return this.poster !== undefined && this.ready;
  }

  /** Resolves when the running generation (if any) has ended and been saved. */
  whenIdle(): Promise<void> {
    return this.idle;
  }

  snapshot(): ChatSnapshot {
    return { conversation: this.conversation, history: this.store.summaries(), model: this.env.modelAvailability(), budget: this.budget };
  }

  /** The model was installed, removed or changed. */
  modelChanged(): void {
    this.post({ v: CHAT_PROTOCOL_VERSION, type: 'model', model: this.env.modelAvailability() });
  }

  async handleMessage(raw: unknown): Promise<void> {
    const result = validateWebviewMessage(raw);
    if (!result.ok) {
      this.env.log.warn(`chat view: ignored a message from the webview: ${result.reason}`);
      return;
    }
    await this.dispatch(result.message);
  }

  /** Starts an explain turn (from the Explain selection command). */
  explain(prompt: string): TurnStart {
    return this.startTurn('explain', prompt, this.budget);
  }

  /**
   * Sends the last turn's message again after it failed or was stopped (a notice's Retry button).
   * Refused while a reply streams, or when there is nothing to retry.
   */
  retryLast(): TurnStart | 'nothing' {
    const last = this.conversation.turns.at(-1);
    if (!last || last.status === 'done') return 'nothing';
    if (last.status === 'streaming') return 'busy';
    return this.startTurn(last.kind, last.user, this.budget);
  }

  stop(): void {
    const running = this.running;
    if (!running) return;
    running.abort.abort();
    // Stop is immediate for the user; whatever the engine still sends for this turn is ignored.
    this.apply({ v: CHAT_PROTOCOL_VERSION, type: 'turnFinished', turnId: running.turnId, status: 'stopped', at: this.env.now() });
  }

  dispose(): void {
    this.running?.abort.abort();
    this.detach();
  }

  private async dispatch(message: WebviewToHost): Promise<void> {
    switch (message.type) {
      case 'ready':
        this.ready = true;
        this.post({ v: CHAT_PROTOCOL_VERSION, type: 'snapshot', snapshot: this.snapshot() });
        return;
      case 'send':
        this.budget = message.budget;
        this.startTurn('chat', message.text, message.budget);
        return;
      case 'stop':
        this.stop();
        return;
      case 'newChat':
        await this.switchTo(emptyConversation(this.env.newId(), this.env.now()));
        return;
      case 'openConversation': {
        const found = this.store.get(message.id);
        if (!found) {
          this.env.log.warn(`chat view: no stored conversation ${message.id}`);
          return;
        }
        await this.switchTo(settleInterrupted(found, this.env.now()));
        return;
      }
      case 'setBudget':
        this.budget = message.budget;
        this.env.saveBudget(message.budget);
        return;
      case 'toggleReasoning':
        this.conversation = setReasoningExpanded(this.conversation, message.turnId, message.expanded);
        if (!this.running) await this.store.save(this.conversation);
        return;
      // Editor actions: the environment does them (and asks the user where it must).
      case 'copyCode':
        return void (await this.env.copyCode(message.code));
      case 'insertCode':
        return void (await this.env.insertCode(message.code));
      case 'openLink':
        return void (await this.env.openLink(message.url));
      case 'runCommand':
        return void (await this.env.runCommand(message.command));
    }
  }

  private async switchTo(conversation: Conversation): Promise<void> {
    this.stop();
    await this.idle;
    await this.store.save(this.conversation);
    this.conversation = conversation;
    this.post({ v: CHAT_PROTOCOL_VERSION, type: 'snapshot', snapshot: this.snapshot() });
  }

  private startTurn(kind: ChatTurn['kind'], text: string, budget: ReasoningBudget): TurnStart {
    if (activeTurn(this.conversation)) {
      this.env.log.warn('chat view: a reply is still being generated; the new message was not sent');
      return 'busy';
    }
    if (this.env.modelAvailability().state === 'missing') {
      this.env.log.warn('chat view: no model installed; the message was not sent');
      return 'noModel';
    }
    const request = buildChatRequest(chatMessages(this.conversation.turns, text), kind, budget, this.env.generationSettings());
    const turn: ChatTurn = {
      id: this.env.newId(),
      kind,
      user: text,
      reasoning: '',
      answer: '',
      reasoningTokens: 0,
      startedAt: this.env.now(),
      status: 'streaming',
    };
    const running: RunningTurn = { turnId: turn.id, abort: new AbortController() };
    this.running = running;
    this.apply({ v: CHAT_PROTOCOL_VERSION, type: 'turnStarted', turn });
    this.idle = this.stream(request, running);
    return 'started';
  }

  private async stream(request: GenerationRequest, running: RunningTurn): Promise<void> {
    const { turnId, abort } = running;
    // Read once the backend has answered (a local model's name is known only after it loaded).
    let by: string | undefined;
    try {
      await this.store.save(this.conversation);
      for await (const event of this.backend.generate(request, abort.signal)) {
        if (!this.isStreaming(turnId)) break;
        by ??= answeredBy(this.backend.capabilities);
        if (event.type === 'delta') {
          if (event.text.length === 0) continue;
          this.apply({ v: CHAT_PROTOCOL_VERSION, type: 'delta', turnId, channel: event.channel, text: event.text, tokens: event.tokenIds.length, at: this.env.now() });
        } else {
          const status = event.finishReason === 'aborted' ? 'stopped' : 'done';
          this.apply({ v: CHAT_PROTOCOL_VERSION, type: 'turnFinished', turnId, status, at: this.env.now(), stats: toTurnStats(event), answeredBy: by });
        }
      }
      if (this.isStreaming(turnId)) {
        this.apply({ v: CHAT_PROTOCOL_VERSION, type: 'turnFinished', turnId, status: abort.signal.aborted ? 'stopped' : 'done', at: this.env.now(), answeredBy: by });
      }
    } catch (error) {
      if (this.isStreaming(turnId)) {
        const stopped = abort.signal.aborted;
        const message = error instanceof Error ? error.message : String(error);
        if (!stopped) this.env.log.warn(`chat view: generation failed: ${message}`);
        // A stream that broke off keeps what arrived, marked incomplete rather than lost or passed off as whole.
        const incomplete = !stopped && (remoteFailureOf(error)?.code === 'incomplete' || this.hasText(turnId));
        this.apply({
          v: CHAT_PROTOCOL_VERSION,
          type: 'turnFinished',
          turnId,
          status: stopped ? 'stopped' : 'error',
          at: this.env.now(),
          error: stopped ? undefined : message,
          answeredBy: by ?? answeredBy(this.backend.capabilities),
          incomplete: incomplete || undefined,
        });
      }
    } finally {
      if (this.running === running) this.running = undefined;
      await this.store.save(this.conversation);
    }
  }

  private hasText(turnId: string): boolean {
    const turn = this.conversation.turns.find((t) => t.id === turnId);
    return turn !== undefined && (turn.answer.length > 0 || turn.reasoning.length > 0);
  }

  private isStreaming(turnId: string): boolean {
    return this.conversation.turns.find((t) => t.id === turnId)?.status === 'streaming';
  }

  private apply(event: TurnEvent): void {
    this.conversation = applyTurnEvent(this.conversation, event);
    this.post(event);
  }

  private post(message: HostToWebview): void {
    if (this.poster && this.ready) this.poster(message);
  }
}

function toTurnStats(event: Extract<GenerationEvent, { type: 'done' }>): TurnStats {
  return {
    decodeTokPerS: event.stats.decodeTokPerS,
    executionProvider: event.stats.executionProvider,
    generatedTokens: event.stats.generatedTokens,
    reasoningTokens: event.stats.reasoningTokens,
    finishReason: event.finishReason,
    reasoningBudgetForced: event.reasoningBudgetForced,
  };
}

/** Turns still marked streaming in a stored conversation were cut off when the window closed. */
function settleInterrupted(conversation: Conversation, now: number): Conversation {
  if (!conversation.turns.some((t) => t.status === 'streaming')) return conversation;
  return {
    ...conversation,
    turns: conversation.turns.map((t) => (t.status === 'streaming' ? { ...t, status: 'stopped', finishedAt: t.finishedAt ?? now } : t)),
  };
}
