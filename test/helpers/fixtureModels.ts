// Generated models for tests, written once under .cache/test-models/ and reused while the
// generator's sources are unchanged (the folder name carries a hash of engine/fixtures/*.ts and
// engine/text/*.ts, which the fixture tokenizer builds on).
// Each folder is written under a temporary name and renamed into place when complete, so
// concurrent test processes never see a half-written model.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readFixtureManifest, writeFixtureModel, type FixtureKind, type FixtureModel, type FixtureQuant } from '../../engine/fixtures';
import type { ExportStyle } from '../../engine/types';

const CACHE_ROOT = resolve(process.cwd(), '.cache', 'test-models');
const GENERATOR_SOURCES = [resolve(process.cwd(), 'engine', 'fixtures'), resolve(process.cwd(), 'engine', 'text')];

let sourceHash: string | undefined;
function generatorHash(): string {
  if (!sourceHash) {
    const hash = createHash('sha256');
    for (const dir of GENERATOR_SOURCES) {
      for (const name of readdirSync(dir).filter((n) => n.endsWith('.ts')).sort()) {
        hash.update(name).update(readFileSync(join(dir, name)));
      }
    }
    sourceHash = hash.digest('hex').slice(0, 10);
  }
  return sourceHash;
}

const pending = new Map<string, Promise<FixtureModel>>();

export interface FixtureModelOptions {
  /** Scripted models only: the text to emit instead of the default script. */
  script?: string;
}

/** The model folder for (kind, style, quant), generating it on first use. */
export function fixtureModel(kind: FixtureKind, style: ExportStyle, quant: FixtureQuant = 'fp32', options: FixtureModelOptions = {}): Promise<FixtureModel> {
  const scriptTag = options.script === undefined ? '' : `-${createHash('sha256').update(options.script).digest('hex').slice(0, 8)}`;
  const variant = `${kind}-${style}-${kind === 'scripted' ? 'fp32' : quant}${scriptTag}`;
  const name = `${variant}-${generatorHash()}`;
  let model = pending.get(name);
  if (!model) {
    model = ensure(join(CACHE_ROOT, name), kind, style, quant, options.script).then((m) => {
      removeOlderGenerations(variant, name);
      return m;
    });
    pending.set(name, model);
  }
  return model;
}

async function ensure(dir: string, kind: FixtureKind, style: ExportStyle, quant: FixtureQuant, script: string | undefined): Promise<FixtureModel> {
  const existing = readFixtureManifest(dir);
  if (existing) return existing;
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  try {
    await writeFixtureModel({ kind, style, quant: kind === 'scripted' ? undefined : quant, out: tmp, script });
    try {
      renameSync(tmp, dir);
    } catch (err) {
      // Another process finished the same model first: use theirs.
      if (!readFixtureManifest(dir)) throw err;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const model = readFixtureManifest(dir);
  if (!model) throw new Error(`fixture model ${dir} was not written completely`);
  return model;
}

/** Folders of the same variant written by earlier versions of the generator. */
function removeOlderGenerations(variant: string, current: string): void {
  const stale = new RegExp(`^${variant.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-[0-9a-f]{10}$`);
  for (const name of readdirSync(CACHE_ROOT)) {
    if (name !== current && stale.test(name)) rmSync(join(CACHE_ROOT, name), { recursive: true, force: true });
  }
}
