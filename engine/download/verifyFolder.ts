// Checks a model folder against its manifest: every file present, full size, right sha256, and no
// leftover `.incomplete`. Hashing 1–2 GB takes seconds, so each verified hash is cached by the
// file's size and mtime: later starts only stat the files.

import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { type ContentDigest, digestMatches, hashFile, needsGitSha1 } from './hashing';
import { safeModelPath } from './manifest';
import { partialPaths } from './partialFile';
import type { FileSpec, ModelManifest } from './types';

export const VERIFY_CACHE_FILE = '.r1-local-verified.json';

export type FileStatus = 'ok' | 'missing' | 'incomplete' | 'size-mismatch' | 'hash-mismatch';

export interface FileCheck {
  path: string;
  status: FileStatus;
  detail?: string;
}

export interface FolderVerification {
  ok: boolean;
  files: FileCheck[];
  /** Files whose hash had to be computed (not answered from the cache). */
  hashed: string[];
}

interface CacheEntry extends ContentDigest {
  size: number;
  mtimeMs: number;
}

/** sha256 per absolute path, valid while size and mtime are unchanged. */
export class VerifyCache {
  private entries: Record<string, CacheEntry> = {};
  private dirty = false;

  private constructor(private readonly path: string | undefined) {}

  /** `path` undefined: an in-memory cache (nothing persisted). */
  static async open(path: string | undefined): Promise<VerifyCache> {
    const cache = new VerifyCache(path);
    if (path) {
      try {
        const parsed = JSON.parse(await fs.readFile(path, 'utf8')) as Record<string, CacheEntry>;
        if (parsed && typeof parsed === 'object') cache.entries = parsed;
      } catch {
        // missing or unreadable cache: start empty
      }
    }
    return cache;
  }

  lookup(file: string, size: number, mtimeMs: number): CacheEntry | undefined {
    const entry = this.entries[file];
    return entry && entry.size === size && entry.mtimeMs === mtimeMs ? entry : undefined;
  }

  remember(file: string, entry: CacheEntry): void {
    this.entries[file] = entry;
    this.dirty = true;
  }

  forget(file: string): void {
    if (file in this.entries) {
      delete this.entries[file];
      this.dirty = true;
    }
  }

  async save(): Promise<void> {
    if (!this.path || !this.dirty) return;
    const temp = `${this.path}.${process.pid}.tmp`;
    try {
      await fs.writeFile(temp, JSON.stringify(this.entries));
      await fs.rename(temp, this.path);
      this.dirty = false;
    } catch {
      await fs.rm(temp, { force: true }).catch(() => undefined);
      // A cache that cannot be written only costs a re-hash next time.
    }
  }
}

export interface VerifyOptions {
  cache: VerifyCache;
  signal?: AbortSignal;
  /** Called with bytes hashed, for progress on first verification of big files. */
  onHashBytes?: (path: string, bytes: number) => void;
}

/** Checks one file; a hash is computed only when the cache cannot answer. */
export async function verifyFile(modelDir: string, spec: FileSpec, options: VerifyOptions): Promise<FileCheck & { hashed: boolean }> {
  const full = safeModelPath(modelDir, spec.path);
  let stat;
  try {
    stat = await fs.stat(full);
  } catch {
    const partial = await fs.stat(partialPaths(full).data).catch(() => undefined);
    return partial
      ? { path: spec.path, status: 'incomplete', detail: `${partial.size} of ${spec.size} bytes downloaded`, hashed: false }
      : { path: spec.path, status: 'missing', hashed: false };
  }
  if (!stat.isFile()) return { path: spec.path, status: 'missing', detail: 'not a regular file', hashed: false };
  if (stat.size !== spec.size) {
    return { path: spec.path, status: 'size-mismatch', detail: `${stat.size} bytes, expected ${spec.size}`, hashed: false };
  }
  const cached = options.cache.lookup(full, stat.size, stat.mtimeMs);
  // A cached sha256 cannot answer for a file known only by its git blob sha1: hash it then.
  if (cached && (!needsGitSha1(spec) || cached.gitBlobSha1)) {
    const ok = digestMatches(cached, spec);
    return { path: spec.path, status: ok ? 'ok' : 'hash-mismatch', hashed: false };
  }
  const digest = await hashFile(full, stat.size, { gitBlobSha1: needsGitSha1(spec), signal: options.signal, onBytes: (n) => options.onHashBytes?.(spec.path, n) });
  const ok = digestMatches(digest, spec);
  if (ok) options.cache.remember(full, { size: stat.size, mtimeMs: stat.mtimeMs, ...digest });
  else options.cache.forget(full);
  return { path: spec.path, status: ok ? 'ok' : 'hash-mismatch', detail: ok ? undefined : `sha256 ${digest.sha256}`, hashed: true };
}

/** Records a hash computed while downloading, so the first verification after it is instant. */
export async function rememberVerified(cache: VerifyCache, modelDir: string, spec: FileSpec, digest: ContentDigest): Promise<void> {
  const full = safeModelPath(modelDir, spec.path);
  const stat = await fs.stat(full);
  cache.remember(full, { size: stat.size, mtimeMs: stat.mtimeMs, ...digest });
}

export async function verifyAgainstManifest(modelDir: string, manifest: ModelManifest, options: VerifyOptions): Promise<FolderVerification> {
  const files: FileCheck[] = [];
  const hashed: string[] = [];
  for (const spec of manifest.files) {
    const { hashed: didHash, ...check } = await verifyFile(modelDir, spec, options);
    files.push(check);
    if (didHash) hashed.push(spec.path);
  }
  await options.cache.save();
  return { ok: files.every((f) => f.status === 'ok'), files, hashed };
}

/** Default location of the cache for a folder we own (downloaded models). */
export function defaultCachePath(modelDir: string): string {
  return join(modelDir, VERIFY_CACHE_FILE);
}
