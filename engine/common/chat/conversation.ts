// How streamed turn events change a conversation: pure functions over the protocol's plain data.
// The webview applies them to what it shows and the extension applies the same ones to what it
// persists, so the two never drift apart.
import type { ChatTurn, Conversation, HostToWebview } from './protocol';

export type TurnEvent = Extract<HostToWebview, { type: 'turnStarted' | 'delta' | 'turnFinished' }>;

const TITLE_LENGTH = 60;

export function emptyConversation(id: string, now: number): Conversation {
  return { id, title: 'New chat', createdAt: now, updatedAt: now, turns: [] };
}

/** A one-line title from the first user message. */
export function titleFrom(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  if (line.length === 0) return 'New chat';
  return line.length > TITLE_LENGTH ? `${line.slice(0, TITLE_LENGTH - 1)}…` : line;
}

export function applyTurnEvent(conversation: Conversation, event: TurnEvent): Conversation {
  switch (event.type) {
    case 'turnStarted': {
      const title = conversation.turns.length === 0 ? titleFrom(event.turn.user) : conversation.title;
      return { ...conversation, title, updatedAt: event.turn.startedAt, turns: [...conversation.turns, event.turn] };
    }
    case 'delta':
      return updateTurn(conversation, event.turnId, event.at, (turn) => appendDelta(turn, event));
    case 'turnFinished':
      return updateTurn(conversation, event.turnId, event.at, (turn) => ({
        ...turn,
        status: event.status,
        finishedAt: event.at,
        reasoningEndedAt: turn.reasoningEndedAt ?? event.at,
        stats: event.stats ?? turn.stats,
        error: event.error,
        // Set only when known, so turns of the local engine keep their old shape.
        ...(event.answeredBy !== undefined ? { answeredBy: event.answeredBy } : {}),
        ...(event.incomplete ? { incomplete: true } : {}),
      }));
  }
}

function appendDelta(turn: ChatTurn, event: Extract<TurnEvent, { type: 'delta' }>): ChatTurn {
  if (turn.status !== 'streaming') return turn;
  if (event.channel === 'reasoning') {
    return {
      ...turn,
      reasoning: turn.reasoning + event.text,
      reasoningTokens: turn.reasoningTokens + event.tokens,
      reasoningStartedAt: turn.reasoningStartedAt ?? event.at,
    };
  }
  // The first answer text means `</think>` has arrived: the reasoning phase is over.
  return {
    ...turn,
    answer: turn.answer + event.text,
    reasoningEndedAt: turn.reasoningEndedAt ?? event.at,
  };
}

function updateTurn(conversation: Conversation, turnId: string, at: number, change: (turn: ChatTurn) => ChatTurn): Conversation {
  const index = conversation.turns.findIndex((t) => t.id === turnId);
  if (index < 0) return conversation;
  const turns = conversation.turns.slice();
  turns[index] = change(turns[index]);
  return { ...conversation, updatedAt: Math.max(conversation.updatedAt, at), turns };
}

export function setReasoningExpanded(conversation: Conversation, turnId: string, expanded: boolean): Conversation {
  const index = conversation.turns.findIndex((t) => t.id === turnId);
  if (index < 0) return conversation;
  const turns = conversation.turns.slice();
  turns[index] = { ...turns[index], reasoningExpanded: expanded };
  return { ...conversation, turns };
}

/** Still producing its reasoning trace: no answer text yet and not finished. */
export function isThinking(turn: ChatTurn): boolean {
  return turn.status === 'streaming' && turn.reasoningEndedAt === undefined;
}

/** Whole seconds spent reasoning, measured to `now` while still thinking. */
export function reasoningSeconds(turn: ChatTurn, now: number): number {
  const start = turn.reasoningStartedAt ?? turn.startedAt;
  const end = turn.reasoningEndedAt ?? (isThinking(turn) ? now : turn.finishedAt ?? now);
  return Math.max(0, Math.round((end - start) / 1000));
}

/** Open while thinking unless the user chose otherwise; closed afterwards unless the user opened it. */
export function isReasoningOpen(turn: ChatTurn): boolean {
  return turn.reasoningExpanded ?? isThinking(turn);
}

export function activeTurn(conversation: Conversation): ChatTurn | undefined {
  const last = conversation.turns.at(-1);
  return last?.status === 'streaming' ? last : undefined;
}
