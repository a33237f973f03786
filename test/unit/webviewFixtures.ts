// Shared fixtures for webview tests: a snapshot, turns and host messages with fixed clocks.
import type { ChatSnapshot, ChatTurn, Conversation, HostToWebview } from '../../engine/common/chat/protocol';

export const T0 = 1_700_000_000_000;

export function streamingTurn(id = 't1', user = 'Why is the sky blue?'): ChatTurn {
  return { id, kind: 'chat', user, reasoning: '', answer: '', reasoningTokens: 0, startedAt: T0, status: 'streaming' };
}

export function conversation(id = 'c1', turns: ChatTurn[] = []): Conversation {
  return { id, title: 'New chat', createdAt: T0, updatedAt: T0, turns };
}

export function snapshot(overrides: Partial<ChatSnapshot> = {}): ChatSnapshot {
  return { conversation: conversation(), history: [], model: { state: 'ready', label: 'scripted' }, budget: 'medium', ...overrides };
}

export const msg = {
  snapshot: (s: ChatSnapshot = snapshot()): HostToWebview => ({ v: 1, type: 'snapshot', snapshot: s }),
  started: (turn: ChatTurn = streamingTurn()): HostToWebview => ({ v: 1, type: 'turnStarted', turn }),
  reasoning: (text: string, at: number, tokens = 1, turnId = 't1'): HostToWebview => ({ v: 1, type: 'delta', turnId, channel: 'reasoning', text, tokens, at }),
  answer: (text: string, at: number, tokens = 1, turnId = 't1'): HostToWebview => ({ v: 1, type: 'delta', turnId, channel: 'answer', text, tokens, at }),
  finished: (at: number, turnId = 't1'): HostToWebview => ({
    v: 1,
    type: 'turnFinished',
    turnId,
    status: 'done',
    at,
    stats: { decodeTokPerS: 17.25, executionProvider: 'cpu', generatedTokens: 40, reasoningTokens: 30, finishReason: 'eos', reasoningBudgetForced: false },
  }),
};
