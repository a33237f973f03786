// The check run before a model folder is used — a downloaded one at every start, a user-selected
// one when it is picked: hashes against the manifest when there is one (answered from the
// size+mtime cache after the first time), then the engine's own folder inspection (layout, export
// style, ONNX file, external data inside the folder). No onnxruntime here: the extension calls this
// before it asks the engine host to load anything, so a bad file gets a "re-download?" prompt
// instead of a failed or crashed load.

import { inspectModelFolder } from '../model/modelFolder';
import { ModelLoadError, type ModelLoadErrorCode } from '../model/modelLoadError';
import type { ExportStyle } from '../types';
import { readManifest } from './manifest';
import type { ModelManifest } from './types';
import { type FileCheck, VerifyCache, defaultCachePath, verifyAgainstManifest } from './verifyFolder';

export type FolderCheck =
  | {
      status: 'ok';
      root: string;
      style: ExportStyle;
      onnxFile: string;
      externalDataFiles: string[];
      /** Present when the folder carries one; then every file in it was verified. */
      manifest?: ModelManifest;
      /** Files hashed by this check (empty when the cache answered). */
      hashed: string[];
    }
  /** Files are missing, partial or do not hash right: offer to download them again. */
  | { status: 'damaged'; message: string; files: FileCheck[]; manifest?: ModelManifest }
  /** Not a usable model folder at all (wrong layout, unsafe paths, unreadable manifest). */
  | { status: 'invalid'; message: string; code: ModelLoadErrorCode | 'bad-manifest' };

export interface CheckModelFolderOptions {
  /** Where verified hashes are cached; default: inside the folder. Use a path you own for folders you don't. */
  cachePath?: string;
  signal?: AbortSignal;
  onHashBytes?: (path: string, bytes: number) => void;
}

export async function checkModelFolder(dir: string, options: CheckModelFolderOptions = {}): Promise<FolderCheck> {
  let manifest: ModelManifest | undefined;
  try {
    manifest = await readManifest(dir);
  } catch (error) {
    return { status: 'invalid', message: (error as Error).message, code: 'bad-manifest' };
  }
  let hashed: string[] = [];
  if (manifest) {
    const cache = await VerifyCache.open(options.cachePath ?? defaultCachePath(dir));
    const result = await verifyAgainstManifest(dir, manifest, { cache, signal: options.signal, onHashBytes: options.onHashBytes });
    hashed = result.hashed;
    if (!result.ok) {
      const bad = result.files.filter((f) => f.status !== 'ok');
      return { status: 'damaged', message: describeDamage(bad), files: bad, manifest };
    }
  }
  try {
    const folder = await inspectModelFolder(dir);
    return { status: 'ok', root: folder.root, style: folder.style, onnxFile: folder.onnxFile, externalDataFiles: folder.externalDataFiles, manifest, hashed };
  } catch (error) {
    if (!(error instanceof ModelLoadError)) throw error;
    // Truncated or half-downloaded files can be fixed by downloading again; a wrong layout cannot.
    if (error.code === 'incomplete-download' || error.code === 'corrupt-file') {
      return { status: 'damaged', message: error.message, files: [], manifest };
    }
    return { status: 'invalid', message: error.message, code: error.code };
  }
}

function describeDamage(bad: FileCheck[]): string {
  const words: Record<FileCheck['status'], string> = {
    ok: 'ok',
    missing: 'is missing',
    incomplete: 'is only partly downloaded',
    'size-mismatch': 'has the wrong size',
    'hash-mismatch': 'does not match its sha256 (corrupt)',
  };
  const parts = bad.slice(0, 3).map((f) => `${f.path} ${words[f.status]}${f.detail ? ` (${f.detail})` : ''}`);
  if (bad.length > 3) parts.push(`${bad.length - 3} more`);
  return `The model folder is damaged: ${parts.join('; ')}.`;
}

/**
 * For the engine host, right before it loads a folder: resolves when the folder verifies, throws
 * the engine's own ModelLoadError otherwise (`incomplete-download` for partial or missing files,
 * `corrupt-file` for a hash or size mismatch, the inspection's code for the rest), so a bad file is
 * reported with a code the extension can turn into a "re-download?" prompt instead of being loaded.
 */
export async function assertModelFolderVerified(dir: string, options: CheckModelFolderOptions = {}): Promise<void> {
  const check = await checkModelFolder(dir, options);
  if (check.status === 'ok') return;
  if (check.status === 'invalid') throw new ModelLoadError(check.code === 'bad-manifest' ? 'corrupt-file' : check.code, check.message);
  const partial = check.files.length > 0 && check.files.every((f) => f.status === 'incomplete' || f.status === 'missing');
  throw new ModelLoadError(partial || /still downloading/.test(check.message) ? 'incomplete-download' : 'corrupt-file', check.message);
}
