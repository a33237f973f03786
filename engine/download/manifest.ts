// The model folder's manifest: where the files came from (hub, repository, revision, the commit it
// resolved to) and every file's size and sha256. Written before the transfer (complete: false) and
// again when everything is verified (complete: true), atomically, so a crash never leaves half a JSON.

import { promises as fs } from 'node:fs';
import { isAbsolute, join, normalize, relative, sep } from 'node:path';
import { DownloadError, fileSystemError } from './errors';
import type { FileSpec, ModelManifest } from './types';

export const MANIFEST_FILE = 'r1-local-manifest.json';

export async function readManifest(modelDir: string): Promise<ModelManifest | undefined> {
  let text: string;
  try {
    text = await fs.readFile(join(modelDir, MANIFEST_FILE), 'utf8');
  } catch {
    return undefined;
  }
  return parseManifest(text, join(modelDir, MANIFEST_FILE));
}

/** Parses and checks a manifest; a malformed one is a clear error, never a crash later. */
export function parseManifest(text: string, where: string): ModelManifest {
  let raw: Partial<ModelManifest>;
  try {
    raw = JSON.parse(text) as Partial<ModelManifest>;
  } catch (error) {
    throw new DownloadError('bad-input', `${where} is not valid JSON.`, { cause: error });
  }
  const ok =
    raw &&
    raw.formatVersion === 1 &&
    typeof raw.repo === 'string' &&
    typeof raw.commit === 'string' &&
    Array.isArray(raw.files) &&
    raw.files.every((f: Partial<FileSpec>) => f && typeof f.path === 'string' && Number.isSafeInteger(f.size) && (f.size as number) >= 0);
  if (!ok) throw new DownloadError('bad-input', `${where} is not an R1 Local model manifest (format 1).`);
  for (const file of raw.files as FileSpec[]) safeModelPath('', file.path, where);
  return raw as ModelManifest;
}

export async function writeManifest(modelDir: string, manifest: ModelManifest): Promise<void> {
  const target = join(modelDir, MANIFEST_FILE);
  const temp = `${target}.${process.pid}.tmp`;
  try {
    await fs.writeFile(temp, JSON.stringify(manifest, null, 2) + '\n');
    await fs.rename(temp, target);
  } catch (error) {
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw fileSystemError(error, target);
  }
}

/**
 * `modelDir` + a `/`-separated relative path, refusing absolute paths and `..` escapes: a manifest
 * or a hub listing must never make us write or read outside the model folder.
 */
export function safeModelPath(modelDir: string, relativePath: string, where = 'the file list'): string {
  const native = relativePath.split('/').join(sep);
  const bad = relativePath === '' || isAbsolute(native) || /^[A-Za-z]:/.test(relativePath) || relativePath.includes('\\') || relativePath.includes('\0');
  const joined = join(modelDir || '.', native);
  const rel = relative(modelDir || '.', joined);
  if (bad || rel.startsWith('..') || isAbsolute(rel) || normalize(native).startsWith('..')) {
    throw new DownloadError('bad-input', `Unsafe file path "${relativePath}" in ${where}: it must stay inside the model folder.`);
  }
  return joined;
}
