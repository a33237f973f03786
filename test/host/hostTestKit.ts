// Shared pieces of the engine host tests: a client of the real bundled host (dist/engineHost.js,
// built by scripts/test.mjs) pointed at a generated model through the extension's LocalEngine, and stream helpers.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { GenerationEvent, GenerationRequest } from '../../engine/types';
import { LocalEngine, type LocalEngineOptions } from '../../extension/engine/localEngine';
import { silentLogger, type Logger } from '../../extension/core/logger';

export const HOST_SCRIPT = resolve('dist/engineHost.js');

export function requireBuiltHost(): void {
  if (!existsSync(HOST_SCRIPT)) throw new Error(`${HOST_SCRIPT} is missing: run node scripts/build.mjs (scripts/test.mjs does)`);
}

/** Keeps warnings and errors so a failing test can show them. */
export function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const keep = (level: string) => (m: string | Error) => void lines.push(`${level} ${m instanceof Error ? m.message : m}`);
  return { ...silentLogger, info: keep('info'), warn: keep('warn'), error: keep('error'), lines };
}

export function clientFor(modelPath: string, options: Partial<LocalEngineOptions> = {}): LocalEngine {
  requireBuiltHost();
  return new LocalEngine({
    hostScript: HOST_SCRIPT,
    log: silentLogger,
    resolveLoadOptions: () => ({ modelPath, executionProvider: 'cpu', threads: 1 }),
    ...options,
  });
}

export interface Collected {
  text: string;
  deltas: number;
  /** Token ids received in deltas so far. */
  tokens: number;
  done?: Extract<GenerationEvent, { type: 'done' }>;
  doneAt?: number;
}

export async function collect(stream: AsyncIterable<GenerationEvent>, onDelta?: (c: Collected) => void): Promise<Collected> {
  const c: Collected = { text: '', deltas: 0, tokens: 0 };
  for await (const event of stream) {
    if (event.type === 'delta') {
      c.text += event.text;
      c.deltas++;
      c.tokens += event.tokenIds.length;
      onDelta?.(c);
    } else {
      c.done = event;
      c.doneAt = performance.now();
    }
  }
  return c;
}

export function chat(content: string, maxNewTokens: number): GenerationRequest {
  return { kind: 'chat', prompt: { type: 'chat', messages: [{ role: 'user', content }] }, maxNewTokens, sampling: { greedy: true } };
}

export function completion(text: string, maxNewTokens: number): GenerationRequest {
  return { kind: 'completion', prompt: { type: 'text', text }, maxNewTokens, sampling: { greedy: true } };
}

export async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A long script for the scripted model: numbered lines, about `lines` × 8 tokens. */
export function longScript(lines: number): string {
  return Array.from({ length: lines }, (_, i) => `step ${i}: the answer grows by one line.`).join('\n');
}
