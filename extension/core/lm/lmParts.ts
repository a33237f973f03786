// Engine events as the response parts a vscode.lm caller receives, in order: reasoning becomes
// thinking parts when the running VS Code can carry them and is dropped otherwise; the answer is
// always text. Pure, so the ordering rules are tested without an extension host.
import type { GenerationEvent } from '../../../engine/types';

export type LmResponsePart = { kind: 'thinking'; text: string } | { kind: 'text'; text: string };

export function responseParts(event: GenerationEvent, thinkingAvailable: boolean): LmResponsePart[] {
  if (event.type !== 'delta' || event.text.length === 0) return [];
  if (event.channel === 'answer') return [{ kind: 'text', text: event.text }];
  return thinkingAvailable ? [{ kind: 'thinking', text: event.text }] : [];
}
