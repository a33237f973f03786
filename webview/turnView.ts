// One conversation turn in the DOM: the user's message, the collapsible reasoning trace, the
// Markdown answer with its code-block buttons, and the small stats line. Updated in place while
// tokens stream, touching only the parts whose data changed.
import { isReasoningOpen, isThinking, reasoningSeconds } from '../engine/common/chat/conversation';
import { codeLanguage, renderMarkdown } from './markdown';
import type { ChatTurn } from '../engine/common/chat/protocol';
import { createButton, createProgressRing } from './toolkit';
import { appendMarked, markUndecodable, undecodableNote } from './undecodableMarks';

export interface TurnActions {
  toggleReasoning(turnId: string, expanded: boolean): void;
  copyCode(code: string): void;
  insertCode(code: string): void;
}

export class TurnView {
  readonly element: HTMLElement;
  private readonly reasoning: HTMLDetailsElement;
  private readonly reasoningSummary: HTMLElement;
  private readonly reasoningText: HTMLElement;
  private readonly answer: HTMLElement;
  private readonly status: HTMLElement;
  private readonly stats: HTMLElement;
  private readonly origin: HTMLElement;
  private turn: ChatTurn;
  private renderedAnswer: string | undefined;
  private renderedReasoning = '';

  constructor(turn: ChatTurn, private readonly actions: TurnActions) {
    this.turn = turn;
    this.element = el('section', 'turn');
    this.element.dataset.turnId = turn.id;
    this.element.dataset.testid = 'turn';

    const user = el('div', 'user-message');
    user.dataset.testid = 'user-message';
    user.textContent = turn.user;

    this.reasoning = el('details', 'reasoning') as HTMLDetailsElement;
    this.reasoning.dataset.testid = 'reasoning';
    this.reasoningSummary = el('summary', 'reasoning-summary');
    this.reasoningSummary.dataset.testid = 'reasoning-summary';
    // The open state is data (remembered per turn), so the click changes the data, not the element.
    this.reasoningSummary.addEventListener('click', (event) => {
      event.preventDefault();
      this.actions.toggleReasoning(this.turn.id, !this.reasoning.open);
    });
    this.reasoningText = el('div', 'reasoning-text');
    this.reasoning.append(this.reasoningSummary, this.reasoningText);

    this.answer = el('div', 'answer markdown-body');
    this.answer.dataset.testid = 'answer';
    this.status = el('div', 'turn-status');
    this.stats = el('div', 'turn-stats');
    this.stats.dataset.testid = 'turn-stats';
    this.origin = el('div', 'turn-origin');
    this.origin.dataset.testid = 'turn-origin';

    const assistant = el('div', 'assistant-message');
    assistant.append(this.reasoning, this.answer, this.status, this.stats, this.origin);
    this.element.append(user, assistant);
    this.update(turn, Date.now());
  }

  update(turn: ChatTurn, now: number): void {
    this.turn = turn;
    const hasReasoning = turn.reasoning.length > 0 || isThinking(turn);
    this.reasoning.hidden = !hasReasoning;
    this.reasoning.open = isReasoningOpen(turn);
    this.element.classList.toggle('thinking', isThinking(turn));
    if (turn.reasoning !== this.renderedReasoning) {
      // Plain text only: the trace is never interpreted as Markdown or HTML.
      if (turn.reasoning.startsWith(this.renderedReasoning)) {
        appendMarked(this.reasoningText, turn.reasoning.slice(this.renderedReasoning.length));
      } else {
        this.reasoningText.replaceChildren();
        appendMarked(this.reasoningText, turn.reasoning);
      }
      this.renderedReasoning = turn.reasoning;
    }
    this.tick(now);
    if (turn.answer !== this.renderedAnswer) {
      this.renderAnswer(turn.answer);
      this.renderedAnswer = turn.answer;
    }
    this.renderStatus(turn);
  }

  /** Refreshes the live "Thinking…" timer. */
  tick(now: number): void {
    const turn = this.turn;
    const seconds = reasoningSeconds(turn, now);
    let label: string;
    if (isThinking(turn)) {
      label = `Thinking… ${seconds} s · ${turn.reasoningTokens} ${turn.reasoningTokens === 1 ? 'token' : 'tokens'}`;
    } else {
      label = `Thought for ${seconds} s`;
      if (turn.stats?.reasoningBudgetForced) label += ' (budget reached)';
    }
    if (this.reasoningSummary.textContent !== label) this.reasoningSummary.textContent = label;
  }

  private renderAnswer(markdown: string): void {
    const fragment = renderMarkdown(markdown);
    markUndecodable(fragment);
    for (const block of Array.from(fragment.querySelectorAll('.code-block'))) this.decorateCodeBlock(block as HTMLElement);
    this.answer.replaceChildren(fragment);
  }

  private decorateCodeBlock(block: HTMLElement): void {
    const code = block.querySelector('code');
    if (!code) return;
    const toolbar = el('div', 'code-toolbar');
    const language = el('span', 'code-language');
    language.textContent = codeLanguage(code);
    const copy = createButton({ label: 'Copy', appearance: 'secondary', testId: 'code-copy', title: 'Copy code' });
    copy.addEventListener('click', () => this.actions.copyCode(code.textContent ?? ''));
    const insert = createButton({ label: 'Insert', appearance: 'secondary', testId: 'code-insert', title: 'Insert at cursor' });
    insert.addEventListener('click', () => this.actions.insertCode(code.textContent ?? ''));
    toolbar.append(language, copy, insert);
    block.prepend(toolbar);
  }

  private renderStatus(turn: ChatTurn): void {
    this.status.replaceChildren();
    this.status.className = `turn-status status-${turn.status}`;
    if (turn.status === 'streaming') {
      this.status.append(createProgressRing('Generating'));
    } else if (turn.status === 'stopped') {
      this.status.textContent = 'Stopped.';
    } else if (turn.status === 'error' && turn.incomplete) {
      // The partial answer above stays; this says it is not the whole answer, and why.
      const marker = el('span', 'turn-incomplete');
      marker.dataset.testid = 'turn-incomplete';
      marker.textContent = 'Incomplete';
      this.status.append(marker, document.createTextNode(` ${turn.error ?? 'the answer stopped before it was finished'}`));
    } else if (turn.status === 'error') {
      this.status.textContent = `Error: ${turn.error ?? 'generation failed'}`;
    }
    const note = undecodableNote(turn.reasoning, turn.answer);
    if (note) {
      const line = el('div', 'undecodable-note');
      line.dataset.testid = 'undecodable-note';
      line.textContent = note;
      this.status.append(line);
    }
    const stats = turn.stats;
    this.stats.hidden = !stats;
    this.stats.textContent = stats ? `${stats.decodeTokPerS.toFixed(1)} tok/s · ${stats.executionProvider}` : '';
    // Plain text (it names a server and a model from settings): never markup.
    this.origin.hidden = !turn.answeredBy;
    this.origin.textContent = turn.answeredBy ? `Answered by ${turn.answeredBy}` : '';
  }
}

function el(tag: string, className: string): HTMLElement {
  const element = document.createElement(tag);
  element.className = className;
  return element;
}
