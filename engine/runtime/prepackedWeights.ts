// The CPU provider's pre-packed weights, saved once and mapped by later loads. At every load
// onnxruntime repacks the 4-bit MatMulNBits weights for this CPU into about 1.1–1.2 GB of heap (1.5B
// model); with `session.save_external_prepacked_constant_initializers` it also writes the optimized
// graph with those packed blobs to an external data file, and a later load of that graph maps them
// instead of packing again: no repack time, and the pages are shared by every process that maps the
// file (several VS Code windows). The packing depends on the onnxruntime version and on the CPU's
// instruction set, so the saved copy is keyed on both, and on the graph file it was made from.
//
// The copy lives in a folder next to the graph (`r1-prepacked-<graph>-<key>/`), written under a
// temporary name and renamed into place once complete, so a reader never sees half a copy and two
// processes saving at once cannot mix their files. A sidecar in the folder records the files' sizes,
// the graph's hash and a hash of evenly spaced samples of the data file (hashing all of it would
// cost a second a load); a copy that fails those checks, or that onnxruntime refuses, is deleted and
// saved again by this load. When the folder cannot be written or the disk is too full, the model
// loads as before (packed on the heap) and says why.
//
// A fresh copy is trusted only after a session mapping it reproduced the saving load's logits
// (SavedCopy, weightsCheck.ts). Measured with onnxruntime-node 1.30.0 on x64 (AVX-512): MatMulNBits
// weights packed at accuracy_level 4 — the rewrite's fast path, and the genai cpu export as is —
// give non-finite logits when mapped (the 1.5B model and every small sample), and a saved graph
// with a Loop node does not load again; weights at the exports' own accuracy_level 0 map and give
// the same tokens. The check records such a copy as unusable, so those models keep the heap. Where
// the onnxruntime version and the graph's accuracy levels already tell that a copy cannot work
// (prepackedMismaps.ts: 1.30.0 and any MatMulNBits at level 4), nothing is saved: the first load
// packs on the heap at once instead of taking five times as long to save 2 GB for nothing.
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, open, readdir, readFile, rename, rm, stat, statfs, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { WeightsPath } from '../types';
import { cpuFeatureKey } from './cpuFeatures';
import { prepackFault } from './prepackFault';
import { KNOWN_MISMAPS, knownMismap, matMulNBitsLevels } from './prepackedMismaps';

/** Bump when the saved layout or the options it is saved with change. */
export const PREPACK_VERSION = 1;
const PREFIX = 'r1-prepacked-';
const GRAPH = 'model.onnx';
const DATA = 'model.onnx.data';
const SIDECAR = 'prepacked.json';
/** Initializers below this size stay inside the saved graph (onnxruntime's own default). */
const MIN_EXTERNAL_BYTES = 1024;
const SAMPLES = 16;
const SAMPLE_BYTES = 64 * 1024;
/** Temporary folders older than this belong to a load that died; newer ones may still be written. */
const ABANDONED_MS = 60 * 60 * 1000;

export interface CpuSession {
  session: ort.InferenceSession;
  weights: WeightsPath;
  /** Set when this load saved a copy: it is mapped by later loads only once `verify` accepted it. */
  savedCopy?: SavedCopy;
}

/**
 * A copy this load just saved, not yet trusted. onnxruntime 1.30 maps some packed layouts wrongly
 * (MatMulNBits at accuracy_level 4 gives non-finite logits from the mapped blobs, on every model
 * tried, while the same blobs on the heap are right), so a copy is only used once a session on it
 * has reproduced this load's logits; one that does not is recorded as unusable for this graph,
 * onnxruntime version and CPU, and its files are deleted.
 */
export interface SavedCopy {
  /** Runs `check` on a session mapping the copy; undefined from `check` accepts it, a string rejects it (the reason). */
  verify(check: (mapped: ort.InferenceSession) => Promise<string | undefined>): Promise<WeightsPath>;
}

interface Place {
  /** The folder of the saved copy. */
  dir: string;
  /** Name prefix shared by every copy saved from this graph, whatever its key. */
  family: string;
  source: { name: string; size: number; mtimeMs: number };
}

interface Sidecar {
  version: number;
  ort: string;
  cpu: string;
  source: Place['source'];
  graph: { bytes: number; sha256: string };
  data: { bytes: number; sampled: string } | null;
  /** True once a mapped session reproduced the saving load's logits. */
  verified: boolean;
  /** Why the copy cannot be used (its files are gone); set instead of `verified`. */
  unusable?: string;
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const line = text.split('\n').find((l) => l.trim().length > 0) ?? text;
  const tail = line.replace(/^.*?\/onnxruntime_src\/\S+\s+/, '').trim();
  return tail.length > 200 ? `${tail.slice(0, 197)}...` : tail;
}

export function onnxruntimeVersion(): string {
  return ort.env.versions.node ?? ort.env.versions.common;
}

/** Where the copy of `onnxPath` would be saved. The rewritten graph's name carries its own key; it is dropped so its copies form one family. */
export async function prepackedPlace(onnxPath: string): Promise<Place> {
  const info = await stat(onnxPath);
  const source = { name: basename(onnxPath), size: info.size, mtimeMs: info.mtimeMs };
  const key = createHash('sha256')
    .update(JSON.stringify([PREPACK_VERSION, source, onnxruntimeVersion(), cpuFeatureKey()]))
    .digest('hex')
    .slice(0, 12);
  const family = `${PREFIX}${basename(onnxPath, '.onnx').replace(/-[0-9a-f]{12}$/, '')}-`;
  return { dir: join(dirname(onnxPath), `${family}${key}`), family, source };
}

async function sha256(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex');
}

/** Hash of SAMPLES evenly spaced slices of a file, the last one ending at its end. */
async function sampledHash(path: string, bytes: number): Promise<string> {
  const hash = createHash('sha256');
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(SAMPLE_BYTES);
    const span = Math.max(0, bytes - SAMPLE_BYTES);
    for (let i = 0; i < SAMPLES; i++) {
      const position = Math.floor((span * i) / (SAMPLES - 1));
      const { bytesRead } = await file.read(buffer, 0, SAMPLE_BYTES, position);
      hash.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    await file.close();
  }
  return hash.digest('hex');
}

async function describeFiles(dir: string): Promise<Pick<Sidecar, 'graph' | 'data'>> {
  const graphBytes = (await stat(join(dir, GRAPH))).size;
  let data: Sidecar['data'] = null;
  try {
    const bytes = (await stat(join(dir, DATA))).size;
    data = { bytes, sampled: await sampledHash(join(dir, DATA), bytes) };
  } catch {
    // A graph with nothing large enough to move out writes no data file.
  }
  return { graph: { bytes: graphBytes, sha256: await sha256(join(dir, GRAPH)) }, data };
}

/** 'absent', 'intact', { unusable } (recorded by an earlier load), or why the saved copy cannot be trusted. */
async function checkSaved(place: Place): Promise<'absent' | 'intact' | { unusable: string } | string> {
  let sidecar: Sidecar;
  try {
    sidecar = JSON.parse(await readFile(join(place.dir, SIDECAR), 'utf8')) as Sidecar;
  } catch {
    try {
      await stat(place.dir);
      return 'its record is missing or unreadable';
    } catch {
      return 'absent';
    }
  }
  try {
    if (sidecar.version !== PREPACK_VERSION || sidecar.ort !== onnxruntimeVersion() || sidecar.cpu !== cpuFeatureKey()) return 'it was saved by another version or on another CPU';
    if (typeof sidecar.unusable === 'string') return { unusable: sidecar.unusable };
    if (sidecar.verified !== true) return 'it was never checked';
    const graphBytes = (await stat(join(place.dir, GRAPH))).size;
    if (graphBytes !== sidecar.graph.bytes || (await sha256(join(place.dir, GRAPH))) !== sidecar.graph.sha256) return 'its graph file changed';
    if (sidecar.data) {
      const bytes = (await stat(join(place.dir, DATA))).size;
      if (bytes !== sidecar.data.bytes) return `its data file has ${bytes} bytes instead of ${sidecar.data.bytes}`;
      if ((await sampledHash(join(place.dir, DATA), bytes)) !== sidecar.data.sampled) return 'its data file changed';
    }
    return 'intact';
  } catch (err) {
    return `its files cannot be read (${firstLine(err)})`;
  }
}

/** Sizes of the model files a save copies, times the packed blobs it adds (measured: 2.1 GB for a 1.9 GB 1.5B q4 model). */
async function neededBytes(onnxPath: string): Promise<number> {
  let largest = 0;
  for (const name of await readdir(dirname(onnxPath))) {
    if (!/\.onnx(\.data|_data(_\d+)?)?$/.test(name)) continue;
    largest = Math.max(largest, (await stat(join(dirname(onnxPath), name))).size);
  }
  return largest * 1.6 + 256 * 1024 * 1024;
}

/** Why the copy cannot be saved into the graph's folder, or undefined when it can be tried. */
async function cannotSave(onnxPath: string): Promise<string | undefined> {
  const folder = dirname(onnxPath);
  try {
    if (prepackFault() === 'readonly') throw Object.assign(new Error(`EACCES: permission denied, access '${folder}'`), { code: 'EACCES' });
    await access(folder, constants.W_OK);
  } catch (err) {
    return `the model folder cannot be written (${firstLine(err)})`;
  }
  try {
    const fs = await statfs(folder);
    const free = fs.bavail * fs.bsize;
    const needed = await neededBytes(onnxPath);
    if (free < needed) return `not enough free disk space to save them (${(free / 1e9).toFixed(1)} GB free, about ${(needed / 1e9).toFixed(1)} GB needed)`;
  } catch {
    // Unknown free space: the save itself will tell.
  }
  return undefined;
}

function savingOptions(base: ort.InferenceSession.SessionOptions, graphPath: string): ort.InferenceSession.SessionOptions {
  return {
    ...base,
    optimizedModelFilePath: graphPath,
    extra: {
      ...base.extra,
      session: {
        save_external_prepacked_constant_initializers: '1',
        optimized_model_external_initializers_file_name: DATA,
        optimized_model_external_initializers_min_size_in_bytes: String(MIN_EXTERNAL_BYTES),
      },
    },
  };
}

/** The saved graph is already optimized for this CPU: optimizing it again only costs load time. */
function mappedOptions(base: ort.InferenceSession.SessionOptions): ort.InferenceSession.SessionOptions {
  return { ...base, graphOptimizationLevel: 'disabled' };
}

async function removeOthers(place: Place): Promise<void> {
  try {
    const folder = dirname(place.dir);
    for (const name of await readdir(folder)) {
      const key = name.startsWith(place.family) ? name.slice(place.family.length) : '';
      if (!/^[0-9a-f]{12}(\.tmp-\d+-\d+)?$/.test(key) || join(folder, name) === place.dir) continue;
      const path = join(folder, name);
      // A temporary folder may still be written by another process loading the same model.
      if (name.includes('.tmp-') && Date.now() - (await stat(path)).mtimeMs < ABANDONED_MS) continue;
      await rm(path, { recursive: true, force: true });
    }
  } catch {
    // Best effort: an old copy only costs disk space. (Mapped files can be deleted on POSIX; on
    // Windows a copy another process still maps stays until a later load.)
  }
}

async function writeSidecar(dir: string, sidecar: Sidecar): Promise<void> {
  const tmp = join(dir, `${SIDECAR}.tmp-${process.pid}`);
  await writeFile(tmp, JSON.stringify(sidecar, null, 2));
  await rename(tmp, join(dir, SIDECAR));
}

function savedCopy(place: Place, sidecar: Sidecar, base: ort.InferenceSession.SessionOptions, before: string | undefined): SavedCopy {
  const saved: WeightsPath = before ? { mode: 'saved', reason: `${before}: saved again` } : { mode: 'saved' };
  return {
    async verify(check) {
      let rejected: string | undefined;
      try {
        const mapped = await ort.InferenceSession.create(join(place.dir, GRAPH), mappedOptions(base));
        try {
          rejected = await check(mapped);
        } finally {
          await mapped.release();
        }
      } catch (err) {
        rejected = `onnxruntime refused them (${firstLine(err)})`;
      }
      try {
        if (!rejected) {
          await writeSidecar(place.dir, { ...sidecar, verified: true });
          return saved;
        }
        await rm(join(place.dir, DATA), { force: true });
        await rm(join(place.dir, GRAPH), { force: true });
        await writeSidecar(place.dir, { ...sidecar, verified: false, unusable: rejected });
      } catch {
        // The verdict stays unrecorded: the next load checks a fresh copy again.
      }
      return { mode: 'heap', reason: unusableReason(rejected ?? 'the verdict could not be recorded') };
    },
  };
}

function unusableReason(why: string): string {
  return `the pre-packed weights onnxruntime ${onnxruntimeVersion()} saves for this model do not load right when mapped (${why}): they are packed on the heap at each load`;
}

async function saveAndCreate(onnxPath: string, place: Place, base: ort.InferenceSession.SessionOptions, before: string | undefined): Promise<CpuSession> {
  const plain = async (reason: string): Promise<CpuSession> => ({ session: await ort.InferenceSession.create(onnxPath, base), weights: { mode: 'heap', reason } });
  const why = await cannotSave(onnxPath);
  if (why) return plain(`${before ? `${before}; ` : ''}the pre-packed weights are not saved: ${why}`);

  const tmp = `${place.dir}.tmp-${process.pid}-${Date.now()}`;
  let session: ort.InferenceSession;
  try {
    await mkdir(tmp);
    const target = prepackFault() === 'nospace' ? join(tmp, 'missing', GRAPH) : join(tmp, GRAPH);
    session = await ort.InferenceSession.create(onnxPath, savingOptions(base, target));
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    // Either the write failed or the graph itself does not load; a plain load tells which (and throws for the latter).
    return plain(`the pre-packed weights could not be saved (${firstLine(err)})`);
  }
  let sidecar: Sidecar;
  try {
    sidecar = { version: PREPACK_VERSION, ort: onnxruntimeVersion(), cpu: cpuFeatureKey(), source: place.source, ...(await describeFiles(tmp)), verified: false };
    await writeSidecar(tmp, sidecar);
    await rename(tmp, place.dir);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    // Another process that saved the same copy first wins the rename, and checks its own copy.
    return { session, weights: { mode: 'heap', reason: `the pre-packed weights could not be saved (${firstLine(err)})` } };
  }
  await removeOthers(place);
  return { session, weights: { mode: 'saved' }, savedCopy: savedCopy(place, sidecar, base, before) };
}

/**
 * A CPU session on `onnxPath` whose pre-packed weights are mapped from the saved copy when there is
 * an intact, verified one, else packed by this load and saved for the next (the caller verifies
 * that copy through `savedCopy`) unless this onnxruntime is known to map them wrongly. Throws what
 * `InferenceSession.create` throws when the graph itself cannot be loaded.
 */
export async function createCpuSession(onnxPath: string, base: ort.InferenceSession.SessionOptions): Promise<CpuSession> {
  let place: Place;
  try {
    place = await prepackedPlace(onnxPath);
  } catch {
    // The graph file cannot be read: let onnxruntime say what is wrong with it.
    return { session: await ort.InferenceSession.create(onnxPath, base), weights: { mode: 'heap' } };
  }
  let damaged: string | undefined;
  const state = await checkSaved(place);
  if (typeof state === 'object') return { session: await ort.InferenceSession.create(onnxPath, base), weights: { mode: 'heap', reason: unusableReason(state.unusable) } };
  if (state === 'intact') {
    try {
      if (prepackFault() === 'refuse') throw new Error('injected refusal of the saved graph');
      return { session: await ort.InferenceSession.create(join(place.dir, GRAPH), mappedOptions(base)), weights: { mode: 'mapped' } };
    } catch (err) {
      damaged = `onnxruntime refused the saved pre-packed weights (${firstLine(err)})`;
    }
  } else if (state !== 'absent') {
    damaged = `the saved pre-packed weights were damaged (${state})`;
  }
  if (damaged) await rm(place.dir, { recursive: true, force: true });
  const known = await knownToMismap(onnxPath);
  if (known) return { session: await ort.InferenceSession.create(onnxPath, base), weights: { mode: 'heap', reason: damaged ? `${damaged}; ${known}` : known } };
  return saveAndCreate(onnxPath, place, base, damaged);
}

/** Why this onnxruntime is known to map the graph's packed weights wrongly (prepackedMismaps.ts), else undefined. */
async function knownToMismap(onnxPath: string): Promise<string | undefined> {
  if (!KNOWN_MISMAPS.some((k) => k.versions.includes(onnxruntimeVersion()))) return undefined;
  try {
    return knownMismap(onnxruntimeVersion(), await matMulNBitsLevels(onnxPath));
  } catch {
    // A graph file this scan cannot read: onnxruntime will say what is wrong with it while saving.
    return undefined;
  }
}
