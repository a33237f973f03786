// The webview's state and its reducer: pure functions, so the whole view can be tested without a
// browser and restored from `getState()` after VS Code hides and re-creates the webview.
import { activeTurn, applyTurnEvent, setReasoningExpanded } from '../engine/common/chat/conversation';
import type { ChatSnapshot, Conversation, ConversationSummary, HostToWebview, ReasoningBudget } from '../engine/common/chat/protocol';

export interface ViewState {
  /** Version of this persisted shape; state saved by another build is dropped, not misread. */
  v: 1;
  /** What the extension last told us; null until the first snapshot (or a restored state) arrives. */
  snapshot: ChatSnapshot | null;
  /** Text typed but not sent yet, kept across hide/show. */
  draft: string;
}

export type LocalAction =
  | { type: 'draft'; text: string }
  | { type: 'setBudget'; budget: ReasoningBudget }
  | { type: 'toggleReasoning'; turnId: string; expanded: boolean };

export function initialViewState(): ViewState {
  return { v: 1, snapshot: null, draft: '' };
}

/** Accept a state from `getState()` only if it has the shape this build writes. */
export function restoreViewState(saved: unknown): ViewState {
  if (typeof saved !== 'object' || saved === null) return initialViewState();
  const s = saved as Partial<ViewState>;
  const snapshotOk =
    s.snapshot === null ||
    (typeof s.snapshot === 'object' &&
      s.snapshot !== undefined &&
      typeof s.snapshot.conversation === 'object' &&
      Array.isArray(s.snapshot.conversation?.turns) &&
      Array.isArray(s.snapshot.history));
  if (s.v !== 1 || !snapshotOk) return initialViewState();
  return { v: 1, snapshot: s.snapshot ?? null, draft: typeof s.draft === 'string' ? s.draft : '' };
}

export function reduceHostMessage(state: ViewState, message: HostToWebview): ViewState {
  switch (message.type) {
    case 'snapshot':
      return { ...state, snapshot: message.snapshot };
    case 'model':
      return state.snapshot ? { ...state, snapshot: { ...state.snapshot, model: message.model } } : state;
    case 'turnStarted':
    case 'delta':
    case 'turnFinished': {
      if (!state.snapshot) return state;
      const conversation = applyTurnEvent(state.snapshot.conversation, message);
      if (conversation === state.snapshot.conversation) return state;
      const history = message.type === 'delta' ? state.snapshot.history : upsertSummary(state.snapshot.history, conversation);
      return { ...state, snapshot: { ...state.snapshot, conversation, history } };
    }
  }
}

export function reduceLocal(state: ViewState, action: LocalAction): ViewState {
  switch (action.type) {
    case 'draft':
      return { ...state, draft: action.text };
    case 'setBudget':
      return state.snapshot ? { ...state, snapshot: { ...state.snapshot, budget: action.budget } } : state;
    case 'toggleReasoning': {
      if (!state.snapshot) return state;
      const conversation = setReasoningExpanded(state.snapshot.conversation, action.turnId, action.expanded);
      return { ...state, snapshot: { ...state.snapshot, conversation } };
    }
  }
}

/** A generation is running: Send is replaced by Stop. */
export function isBusy(state: ViewState): boolean {
  return state.snapshot !== null && activeTurn(state.snapshot.conversation) !== undefined;
}

export function summarize(conversation: Conversation): ConversationSummary {
  return { id: conversation.id, title: conversation.title, updatedAt: conversation.updatedAt, turnCount: conversation.turns.length };
}

/** Most recent first; the conversation's entry moves to the top. */
export function upsertSummary(history: ConversationSummary[], conversation: Conversation): ConversationSummary[] {
  return [summarize(conversation), ...history.filter((h) => h.id !== conversation.id)];
}
