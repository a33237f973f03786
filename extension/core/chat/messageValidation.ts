// Everything the webview posts is untrusted input (the page renders model output): each message is
// checked against its declared shape, rebuilt with only the known fields, and anything else is
// rejected with a reason the caller logs. Nothing from the webview reaches a handler unchecked.
import type { ModelSetupCommand, WebviewToHost } from '../../../engine/common/chat/protocol';
import { CHAT_PROTOCOL_VERSION } from '../../../engine/common/chat/protocolVersion';
import { BUDGET_LEVELS } from './reasoningBudget';

/** Longest chat message accepted (characters); the prompt is truncated further by the token budget. */
export const MAX_MESSAGE_CHARS = 64_000;
/** Longest code block accepted for Copy/Insert. */
export const MAX_CODE_CHARS = 1_000_000;
export const MAX_URL_CHARS = 4_096;
export const MAX_ID_CHARS = 128;

export type ValidationResult = { ok: true; message: WebviewToHost } | { ok: false; reason: string };

const SETUP_COMMANDS: readonly ModelSetupCommand[] = ['r1Local.downloadModel', 'r1Local.selectModelFolder'];

type Field = (value: unknown) => string | undefined; // an error, or undefined when valid

const text = (max: number): Field => (v) =>
  typeof v !== 'string' ? `expected a string, got ${typeof v}` : v.length > max ? `string of ${v.length} chars exceeds ${max}` : undefined;
const nonEmptyText = (max: number): Field => (v) => text(max)(v) ?? ((v as string).trim().length === 0 ? 'empty string' : undefined);
const oneOf = (allowed: readonly string[]): Field => (v) =>
  typeof v === 'string' && allowed.includes(v) ? undefined : `expected one of ${allowed.join(', ')}`;
const bool: Field = (v) => (typeof v === 'boolean' ? undefined : `expected a boolean, got ${typeof v}`);

const SHAPES: { [K in WebviewToHost['type']]: Record<string, Field> } = {
  ready: {},
  send: { text: nonEmptyText(MAX_MESSAGE_CHARS), budget: oneOf(BUDGET_LEVELS) },
  stop: {},
  newChat: {},
  openConversation: { id: nonEmptyText(MAX_ID_CHARS) },
  setBudget: { budget: oneOf(BUDGET_LEVELS) },
  toggleReasoning: { turnId: nonEmptyText(MAX_ID_CHARS), expanded: bool },
  copyCode: { code: text(MAX_CODE_CHARS) },
  insertCode: { code: text(MAX_CODE_CHARS) },
  openLink: { url: nonEmptyText(MAX_URL_CHARS) },
  runCommand: { command: oneOf(SETUP_COMMANDS) },
};

export function validateWebviewMessage(raw: unknown): ValidationResult {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, reason: 'message is not an object' };
  const record = raw as Record<string, unknown>;
  if (record.v !== CHAT_PROTOCOL_VERSION) return { ok: false, reason: `unsupported protocol version ${describe(record.v)}` };
  const type = record.type;
  if (typeof type !== 'string' || !Object.hasOwn(SHAPES, type)) return { ok: false, reason: `unknown message type ${describe(type)}` };
  const shape = SHAPES[type as WebviewToHost['type']];
  const message: Record<string, unknown> = { v: CHAT_PROTOCOL_VERSION, type };
  for (const [name, check] of Object.entries(shape)) {
    const error = check(record[name]);
    if (error) return { ok: false, reason: `${type}.${name}: ${error}` };
    message[name] = record[name];
  }
  return { ok: true, message: message as WebviewToHost };
}

/** A short, log-safe rendering of an unexpected value. */
function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return typeof value === 'object' ? (value === null ? 'null' : 'object') : String(value);
}
