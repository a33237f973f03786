// The real-export samples in test/fixtures/real-exports (see its README): one folder per public
// variant, with the greedy tokens of the unmodified graph. Tests load scratch copies, never the
// fixtures themselves: the engine writes its rewritten graph next to the model file.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Engine } from '../../engine/engine';
import type { GenerationEvent } from '../../engine/types';

export const REAL_EXPORTS = resolve('test/fixtures/real-exports');

export interface RealExport {
  name: string;
  dir: string;
  prompt: number[];
  tokens: number[];
  modelFile: string;
}

export function realExports(): RealExport[] {
  return readdirSync(REAL_EXPORTS, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => {
      const dir = join(REAL_EXPORTS, e.name);
      const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as { prompt: number[]; tokens: number[]; modelFile: string };
      return { name: e.name, dir, prompt: expected.prompt, tokens: expected.tokens, modelFile: expected.modelFile };
    });
}

/** A scratch copy of a sample's folder, removed by the returned function. */
export function scratchCopy(sample: RealExport): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `r1-real-${sample.name}-`));
  cpSync(sample.dir, dir, { recursive: true });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Greedy continuation of token ids, without prompt lookup (the reference ran plain decoding). */
export async function greedyIds(engine: Engine, prompt: number[], maxNewTokens: number): Promise<number[]> {
  const request = { kind: 'completion' as const, prompt: { type: 'ids' as const, ids: prompt }, maxNewTokens, sampling: { greedy: true }, ignoreEos: true, promptLookup: false, splitReasoning: false };
  for await (const e of engine.generate(request)) {
    if (e.type === 'done') return (e as Extract<GenerationEvent, { type: 'done' }>).tokenIds;
  }
  throw new Error('the generation ended without a result');
}
