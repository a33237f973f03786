// Validates what arrives over IPC before the host acts on it: a malformed message gets a
// `bad_request` answer naming the field, never a crash deep inside the engine.
import type { GenerationRequest, LoadOptions } from '../types';
import type { HostRequest, TokenCountInput } from './protocol';

export type Decoded<T> = { ok: true; value: T } | { ok: false; id?: number; message: string };

const REQUEST_KINDS = ['completion', 'chat', 'explain'];
const PROVIDERS = ['auto', 'cpu', 'cuda', 'dml', 'coreml', 'webgpu'];

class FieldError extends Error {}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fail(path: string, expected: string): never {
  throw new FieldError(`${path}: expected ${expected}`);
}

function optionalNumber(o: Record<string, unknown>, key: string, path: string, check: (n: number) => boolean, expected: string): void {
  const v = o[key];
  if (v === undefined) return;
  if (typeof v !== 'number' || !Number.isFinite(v) || !check(v)) fail(`${path}.${key}`, expected);
}

function optionalBoolean(o: Record<string, unknown>, key: string, path: string): void {
  if (o[key] !== undefined && typeof o[key] !== 'boolean') fail(`${path}.${key}`, 'a boolean');
}

function checkPrompt(p: unknown, path: string): void {
  if (!isRecord(p)) fail(path, 'an object');
  switch (p.type) {
    case 'text':
      if (typeof p.text !== 'string') fail(`${path}.text`, 'a string');
      return;
    case 'infill':
      if (typeof p.prefix !== 'string') fail(`${path}.prefix`, 'a string');
      if (typeof p.suffix !== 'string') fail(`${path}.suffix`, 'a string');
      return;
    case 'chat':
      if (!Array.isArray(p.messages) || p.messages.length === 0) fail(`${path}.messages`, 'a non-empty array');
      p.messages.forEach((m: unknown, i: number) => {
        if (!isRecord(m) || (m.role !== 'user' && m.role !== 'assistant') || typeof m.content !== 'string') {
          fail(`${path}.messages[${i}]`, "{ role: 'user' | 'assistant', content: string }");
        }
      });
      return;
    case 'ids':
      if (!Array.isArray(p.ids) || !p.ids.every((n: unknown) => Number.isInteger(n) && (n as number) >= 0)) {
        fail(`${path}.ids`, 'an array of non-negative integers');
      }
      return;
    default:
      fail(`${path}.type`, "'text', 'infill', 'chat' or 'ids'");
  }
}

function checkGenerationRequest(r: unknown, path: string): asserts r is GenerationRequest {
  if (!isRecord(r)) fail(path, 'an object');
  if (!REQUEST_KINDS.includes(r.kind as string)) fail(`${path}.kind`, REQUEST_KINDS.join(' | '));
  checkPrompt(r.prompt, `${path}.prompt`);
  if (!Number.isInteger(r.maxNewTokens) || (r.maxNewTokens as number) < 1) fail(`${path}.maxNewTokens`, 'a positive integer');
  if (r.sampling !== undefined) {
    if (!isRecord(r.sampling)) fail(`${path}.sampling`, 'an object');
    const s = r.sampling;
    const sp = `${path}.sampling`;
    optionalBoolean(s, 'greedy', sp);
    optionalNumber(s, 'temperature', sp, (n) => n >= 0, 'a number ≥ 0');
    optionalNumber(s, 'topK', sp, (n) => Number.isInteger(n) && n >= 0, 'an integer ≥ 0');
    optionalNumber(s, 'topP', sp, (n) => n > 0 && n <= 1, 'a number in (0, 1]');
    optionalNumber(s, 'repetitionPenalty', sp, (n) => n > 0, 'a number > 0');
    optionalNumber(s, 'seed', sp, Number.isInteger, 'an integer');
  }
  if (r.stop !== undefined && (!Array.isArray(r.stop) || !r.stop.every((x) => typeof x === 'string' && x.length > 0))) {
    fail(`${path}.stop`, 'an array of non-empty strings');
  }
  optionalNumber(r, 'maxReasoningTokens', path, (n) => Number.isInteger(n) && n >= 0, 'an integer ≥ 0');
  optionalNumber(r, 'timeBudgetMs', path, (n) => n > 0, 'a number > 0');
  optionalNumber(r, 'decodeTimeBudgetMs', path, (n) => n > 0, 'a number > 0');
  optionalBoolean(r, 'suppressThinking', path);
  optionalBoolean(r, 'splitReasoning', path);
  if (r.slot !== undefined && (typeof r.slot !== 'string' || r.slot.length === 0)) fail(`${path}.slot`, 'a non-empty string');
}

function checkLoadOptions(o: unknown, path: string): asserts o is LoadOptions {
  if (!isRecord(o)) fail(path, 'an object');
  if (typeof o.modelPath !== 'string' || o.modelPath.length === 0) fail(`${path}.modelPath`, 'a non-empty string');
  if (o.executionProvider !== undefined && !PROVIDERS.includes(o.executionProvider as string)) {
    fail(`${path}.executionProvider`, PROVIDERS.join(' | '));
  }
  optionalNumber(o, 'threads', path, (n) => Number.isInteger(n) && n >= 1, 'an integer ≥ 1');
}

function checkTokenCountInput(i: unknown, path: string): void {
  if (!isRecord(i)) fail(path, 'an object');
  if (i.type === 'text') {
    if (typeof i.text !== 'string') fail(`${path}.text`, 'a string');
    return;
  }
  if (i.type !== 'message') fail(`${path}.type`, "'text' or 'message'");
  const m = i.message;
  if (!isRecord(m) || (m.role !== 'user' && m.role !== 'assistant') || typeof m.content !== 'string') {
    fail(`${path}.message`, "{ role: 'user' | 'assistant', content: string }");
  }
}

/** Turns one IPC message into a typed request, or says precisely what is wrong with it. */
export function decodeHostRequest(raw: unknown): Decoded<HostRequest> {
  if (!isRecord(raw)) return { ok: false, message: 'message: expected an object' };
  const id = raw.id;
  if (!Number.isSafeInteger(id) || (id as number) < 0) return { ok: false, message: 'id: expected a non-negative integer' };
  const withId = (message: string): Decoded<HostRequest> => ({ ok: false, id: id as number, message });
  try {
    switch (raw.type) {
      case 'generate':
        checkGenerationRequest(raw.request, 'request');
        return { ok: true, value: { type: 'generate', id: id as number, request: raw.request } };
      case 'cancel':
        if (!Number.isSafeInteger(raw.target)) fail('target', 'an integer');
        return { ok: true, value: { type: 'cancel', id: id as number, target: raw.target as number } };
      case 'load':
        checkLoadOptions(raw.options, 'options');
        return { ok: true, value: { type: 'load', id: id as number, options: raw.options } };
      case 'countTokens':
        if (typeof raw.modelPath !== 'string' || raw.modelPath.length === 0) fail('modelPath', 'a non-empty string');
        checkTokenCountInput(raw.input, 'input');
        return { ok: true, value: { type: 'countTokens', id: id as number, modelPath: raw.modelPath, input: raw.input as TokenCountInput } };
      case 'unload':
      case 'status':
      case 'shutdown':
        return { ok: true, value: { type: raw.type, id: id as number } };
      default:
        return withId(`type: unknown request type ${JSON.stringify(raw.type)}`);
    }
  } catch (e) {
    if (e instanceof FieldError) return withId(e.message);
    throw e;
  }
}
