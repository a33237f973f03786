// Every message between the extension (chat view provider) and the chat webview, and the plain data
// they carry. Type-only: the extension validates what arrives from the webview at runtime
// (extension/core/chat/messageValidation.ts), the webview trusts what the extension posts.
//
// Each message carries `v`, the protocol version (CHAT_PROTOCOL_VERSION); bump it when a message changes shape so a stale
// webview (restored from an older build) is recognisable instead of misread. Optional fields that an
// older webview may ignore without misreading anything (`answeredBy`, `incomplete`) need no bump.

export type ProtocolVersion = 1;

/** off: answer without reasoning; short/medium/long: cap the reasoning trace (see reasoningBudget.ts). */
export type ReasoningBudget = 'off' | 'short' | 'medium' | 'long';

/** Commands the empty state may ask the extension to run; nothing else is accepted. */
export type ModelSetupCommand = 'r1Local.downloadModel' | 'r1Local.selectModelFolder';

export type ModelAvailability =
  /** `server`: a remote backend answers, e.g. "openai-compatible server at gpu-box:8000": the view must not claim answers stay local. */
  | { state: 'ready'; label?: string; server?: string }
  | { state: 'missing' }
  /** No model yet, and "Download Model…" is fetching one in this window. */
  | { state: 'downloading' }
  | { state: 'unknown' };

export type TurnStatus = 'streaming' | 'done' | 'stopped' | 'error';

export interface TurnStats {
  decodeTokPerS: number;
  executionProvider: string;
  generatedTokens: number;
  reasoningTokens: number;
  finishReason: string;
  /** `</think>` was forced because the reasoning budget ran out. */
  reasoningBudgetForced: boolean;
}

export interface ChatTurn {
  id: string;
  kind: 'chat' | 'explain';
  /** The user's message exactly as sent to the model. */
  user: string;
  reasoning: string;
  answer: string;
  /** Tokens counted on the reasoning channel so far (drives the live "Thinking…" counter). */
  reasoningTokens: number;
  /** Epoch ms, stamped by the extension: when the turn was sent / first reasoning arrived / reasoning ended / the turn ended. */
  startedAt: number;
  reasoningStartedAt?: number;
  reasoningEndedAt?: number;
  finishedAt?: number;
  status: TurnStatus;
  error?: string;
  stats?: TurnStats;
  /** The user's choice for the reasoning section; absent means automatic (open while thinking, closed after). */
  reasoningExpanded?: boolean;
  /** Which backend answered: "local · DeepSeek-R1-Distill-Qwen-1.5B", "openai-compatible · gpu-box:8000 · deepseek-r1:7b". */
  answeredBy?: string;
  /** The answer was cut short by a failure (a stream that broke off): what arrived is kept. */
  incomplete?: boolean;
}

export interface Conversation {
  id: string;
  title: string;
  createdAt: number;
  updatedAt: number;
  turns: ChatTurn[];
}

export interface ConversationSummary {
  id: string;
  title: string;
  updatedAt: number;
  turnCount: number;
}

/** Everything the view shows, posted whole after `ready` and whenever the conversation changes identity. */
export interface ChatSnapshot {
  conversation: Conversation;
  history: ConversationSummary[];
  model: ModelAvailability;
  budget: ReasoningBudget;
}

// ---- extension → webview ----

export type HostToWebview =
  | { v: ProtocolVersion; type: 'snapshot'; snapshot: ChatSnapshot }
  | { v: ProtocolVersion; type: 'turnStarted'; turn: ChatTurn }
  | { v: ProtocolVersion; type: 'delta'; turnId: string; channel: 'reasoning' | 'answer'; text: string; tokens: number; at: number }
  | {
      v: ProtocolVersion;
      type: 'turnFinished';
      turnId: string;
      status: Exclude<TurnStatus, 'streaming'>;
      at: number;
      stats?: TurnStats;
      error?: string;
      answeredBy?: string;
      incomplete?: boolean;
    }
  | { v: ProtocolVersion; type: 'model'; model: ModelAvailability };

// ---- webview → extension ----

export type WebviewToHost =
  | { v: ProtocolVersion; type: 'ready' }
  | { v: ProtocolVersion; type: 'send'; text: string; budget: ReasoningBudget }
  | { v: ProtocolVersion; type: 'stop' }
  | { v: ProtocolVersion; type: 'newChat' }
  | { v: ProtocolVersion; type: 'openConversation'; id: string }
  | { v: ProtocolVersion; type: 'setBudget'; budget: ReasoningBudget }
  | { v: ProtocolVersion; type: 'toggleReasoning'; turnId: string; expanded: boolean }
  | { v: ProtocolVersion; type: 'copyCode'; code: string }
  | { v: ProtocolVersion; type: 'insertCode'; code: string }
  | { v: ProtocolVersion; type: 'openLink'; url: string }
  | { v: ProtocolVersion; type: 'runCommand'; command: ModelSetupCommand };
