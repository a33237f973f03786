// The chat panel's DOM: header (history, New chat), empty state, transcript, composer (input,
// reasoning budget, Send/Stop). `render(state)` reconciles it with the state; user intent goes out
// through `ChatViewActions` and never changes the DOM directly.
import { isThinking } from '../engine/common/chat/conversation';
import type { ModelSetupCommand, ReasoningBudget } from '../engine/common/chat/protocol';
import { isBusy, type ViewState } from './state';
import {
  VALUE_EVENTS,
  controlValue,
  createButton,
  createDivider,
  createDropdown,
  createTextArea,
  setControlValue,
  setDisabled,
  setDropdownOptions,
} from './toolkit';
import { type TurnActions, TurnView } from './turnView';

export interface ChatViewActions extends TurnActions {
  send(text: string, budget: ReasoningBudget): void;
  stop(): void;
  newChat(): void;
  openConversation(id: string): void;
  setBudget(budget: ReasoningBudget): void;
  draft(text: string): void;
  openLink(url: string): void;
  runCommand(command: ModelSetupCommand): void;
}

export const BUDGET_OPTIONS: { value: ReasoningBudget; label: string }[] = [
  { value: 'off', label: 'Reasoning: off' },
  { value: 'short', label: 'Reasoning: short' },
  { value: 'medium', label: 'Reasoning: medium' },
  { value: 'long', label: 'Reasoning: long' },
];

export class ChatView {
  readonly root: HTMLElement;
  private readonly history: HTMLElement;
  private readonly emptyState: HTMLElement;
  private readonly emptyTitle: HTMLElement;
  private readonly emptyText: HTMLElement;
  private readonly emptyActions: HTMLElement;
  private readonly welcome: HTMLElement;
  private readonly transcript: HTMLElement;
  private readonly input: HTMLElement;
  private readonly budget: HTMLElement;
  private readonly sendButton: HTMLElement;
  private readonly stopButton: HTMLElement;
  private turnViews = new Map<string, TurnView>();
  private conversationId: string | undefined;
  private historyKey = '';
  private state: ViewState | undefined;

  constructor(container: HTMLElement, private readonly actions: ChatViewActions) {
    this.root = div('chat-root');
    this.root.dataset.testid = 'r1-chat-root';

    const header = div('chat-header');
    this.history = createDropdown({ testId: 'history', label: 'Recent conversations' });
    this.history.classList.add('history');
    this.history.addEventListener(VALUE_EVENTS.dropdown, () => {
      const id = controlValue(this.history);
      if (id && id !== this.conversationId) this.actions.openConversation(id);
    });
    const newChat = createButton({ label: 'New chat', appearance: 'secondary', testId: 'new-chat', title: 'Start a new conversation' });
    newChat.addEventListener('click', () => this.actions.newChat());
    header.append(this.history, newChat);

    this.emptyTitle = document.createElement('h2');
    this.emptyText = document.createElement('p');
    this.emptyActions = this.buildEmptyStateActions();
    this.emptyState = div('empty-state');
    this.emptyState.dataset.testid = 'empty-state';
    this.emptyState.append(this.emptyTitle, this.emptyText, this.emptyActions);
    this.welcome = div('welcome');

    this.transcript = div('transcript');
    this.transcript.dataset.testid = 'transcript';
    this.transcript.setAttribute('role', 'log');
    this.transcript.setAttribute('aria-live', 'polite');
    // Every link click is intercepted: the webview never navigates; the extension opens http(s)
    // links after asking the user, and anything else is inert.
    this.root.addEventListener('click', (event) => {
      const link = (event.target as Element | null)?.closest?.('a');
      if (!link) return;
      event.preventDefault();
      const href = link.getAttribute('href');
      if (href && /^https?:\/\//i.test(href)) this.actions.openLink(href);
    });

    const composer = div('composer');
    this.input = createTextArea({ placeholder: 'Ask about your code… (Enter to send, Shift+Enter for a new line)', testId: 'chat-input', rows: 3, label: 'Message' });
    this.input.addEventListener(VALUE_EVENTS.textArea, () => this.actions.draft(controlValue(this.input)));
    this.input.addEventListener('keydown', (event) => {
      const key = event as KeyboardEvent;
      if (key.key === 'Enter' && !key.shiftKey && !key.isComposing) {
        event.preventDefault();
        this.submit();
      }
    });
    const controls = div('composer-controls');
    this.budget = createDropdown({ testId: 'budget', label: 'Reasoning budget' });
    setDropdownOptions(this.budget, BUDGET_OPTIONS, 'medium');
    this.budget.addEventListener(VALUE_EVENTS.dropdown, () => {
      const value = controlValue(this.budget);
      if (isBudget(value)) this.actions.setBudget(value);
    });
    this.sendButton = createButton({ label: 'Send', testId: 'send', title: 'Send (Enter)' });
    this.sendButton.addEventListener('click', () => this.submit());
    this.stopButton = createButton({ label: 'Stop', appearance: 'secondary', testId: 'stop', title: 'Stop generating' });
    this.stopButton.addEventListener('click', () => this.actions.stop());
    controls.append(this.budget, div('spacer'), this.stopButton, this.sendButton);
    composer.append(this.input, controls);

    this.root.append(header, createDivider(), this.emptyState, this.welcome, this.transcript, composer);
    container.append(this.root);
  }

  render(state: ViewState, now = Date.now()): void {
    this.state = state;
    const snapshot = state.snapshot;
    const busy = isBusy(state);
    const downloading = snapshot?.model.state === 'downloading';
    const modelMissing = snapshot?.model.state === 'missing' || downloading;
    this.emptyState.hidden = !modelMissing;
    if (modelMissing) this.renderEmptyState(downloading);
    this.welcome.hidden = modelMissing || !snapshot || snapshot.conversation.turns.length > 0;
    const welcome = welcomeText(snapshot?.model.state === 'ready' ? snapshot.model.server : undefined);
    if (this.welcome.textContent !== welcome) this.welcome.textContent = welcome;
    this.stopButton.hidden = !busy;
    this.sendButton.hidden = busy;
    setDisabled(this.sendButton, !snapshot || modelMissing);
    if (controlValue(this.input) !== state.draft && document.activeElement !== this.input) setControlValue(this.input, state.draft);
    if (!snapshot) return;
    if (controlValue(this.budget) !== snapshot.budget) setDropdownOptions(this.budget, BUDGET_OPTIONS, snapshot.budget);
    this.renderHistory(state);
    this.renderTurns(state, now);
  }

  /** Advances live timers without a state change. */
  tick(now = Date.now()): void {
    const turns = this.state?.snapshot?.conversation.turns ?? [];
    for (const turn of turns) if (isThinking(turn)) this.turnViews.get(turn.id)?.tick(now);
  }

  focusInput(): void {
    this.input.focus();
  }

  private submit(): void {
    const text = controlValue(this.input).trim();
    const model = this.state?.snapshot?.model.state;
    if (!text || !this.state?.snapshot || isBusy(this.state) || model === 'missing' || model === 'downloading') return;
    this.actions.send(text, this.state.snapshot.budget);
    setControlValue(this.input, '');
    this.actions.draft('');
  }

  private renderHistory(state: ViewState): void {
    const snapshot = state.snapshot!;
    const current = snapshot.conversation;
    const entries = snapshot.history.some((h) => h.id === current.id)
      ? snapshot.history
      : [{ id: current.id, title: current.title, updatedAt: current.updatedAt, turnCount: current.turns.length }, ...snapshot.history];
    const key = JSON.stringify([current.id, entries.map((e) => [e.id, e.title])]);
    if (key === this.historyKey) return;
    this.historyKey = key;
    setDropdownOptions(this.history, entries.map((e) => ({ value: e.id, label: e.title })), current.id);
  }

  private renderTurns(state: ViewState, now: number): void {
    const conversation = state.snapshot!.conversation;
    if (conversation.id !== this.conversationId) {
      this.transcript.replaceChildren();
      this.turnViews.clear();
      this.conversationId = conversation.id;
    }
    const seen = new Set<string>();
    let appended = false;
    for (const turn of conversation.turns) {
      seen.add(turn.id);
      const existing = this.turnViews.get(turn.id);
      if (existing) {
        existing.update(turn, now);
      } else {
        const view = new TurnView(turn, this.actions);
        this.turnViews.set(turn.id, view);
        this.transcript.append(view.element);
        appended = true;
      }
    }
    for (const [id, view] of this.turnViews) {
      if (!seen.has(id)) {
        view.element.remove();
        this.turnViews.delete(id);
      }
    }
    const last = conversation.turns.at(-1);
    if (appended || last?.status === 'streaming') this.transcript.lastElementChild?.scrollIntoView?.({ block: 'end' });
  }

  /** While a download runs, say where its progress is instead of offering a second download. */
  private renderEmptyState(downloading: boolean): void {
    this.emptyState.dataset.state = downloading ? 'downloading' : 'missing';
    this.emptyTitle.textContent = downloading ? 'Downloading the model…' : 'No model installed';
    this.emptyText.textContent = downloading
      ? 'Progress is shown in the notification and the status bar; it can be cancelled there and resumes later. The chat is ready as soon as the model is verified.'
      : 'R1 Local runs a DeepSeek-R1 distill on this machine. Download it once (about 1.4–2 GB), or point to a folder that already holds an ONNX export. After that, nothing leaves your computer.';
    this.emptyActions.hidden = downloading;
  }

  private buildEmptyStateActions(): HTMLElement {
    const download = createButton({ label: 'Download model', testId: 'download-model' });
    download.addEventListener('click', () => this.actions.runCommand('r1Local.downloadModel'));
    const select = createButton({ label: 'Select model folder…', appearance: 'secondary', testId: 'select-model-folder' });
    select.addEventListener('click', () => this.actions.runCommand('r1Local.selectModelFolder'));
    const buttons = div('empty-state-actions');
    buttons.append(download, select);
    return buttons;
  }
}

function isBudget(value: string): value is ReasoningBudget {
  return BUDGET_OPTIONS.some((o) => o.value === value);
}

function div(className: string): HTMLElement {
  const element = document.createElement('div');
  element.className = className;
  return element;
}

/** Where answers come from is part of the promise: "on this machine" only when it is true. */
function welcomeText(server: string | undefined): string {
  const where = server ? `Your questions and code are sent to the ${server}.` : 'Everything runs on this machine.';
  return `Ask about code. The model reasons first (shown folded above each answer), then answers. ${where}`;
}
