// The on-disk side of one file's download: `<file>.incomplete` holds the bytes so far and
// `<file>.incomplete.json` says what they belong to (expected size and hash, and the server's
// ETag, which a resume must match). The writer is injectable so tests can make the disk "fill up".

import { promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { FileSpec } from './types';

export interface PartialFileWriter {
  write(chunk: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

export type OpenPartialFile = (path: string, mode: 'append' | 'truncate') => Promise<PartialFileWriter>;

/** Default writer: a plain file handle; every chunk is written fully before the next is read. */
export const openPartialFile: OpenPartialFile = async (path, mode) => {
  const handle = await fs.open(path, mode === 'append' ? 'a' : 'w');
  return {
    async write(chunk) {
      let offset = 0;
      while (offset < chunk.length) {
        const { bytesWritten } = await handle.write(chunk, offset, chunk.length - offset);
        offset += bytesWritten;
      }
    },
    close: () => handle.close(),
  };
};

export interface PartialMeta {
  size: number;
  sha256?: string;
  gitBlobSha1?: string;
  /** ETag of the response the bytes came from; a resume answered with another ETag starts over. */
  etag?: string;
}

export const INCOMPLETE_SUFFIX = '.incomplete';

export function partialPaths(finalPath: string): { data: string; meta: string } {
  return { data: finalPath + INCOMPLETE_SUFFIX, meta: finalPath + INCOMPLETE_SUFFIX + '.json' };
}

/** Bytes already on disk that can be resumed, or 0 when there are none or they belong to another file. */
export async function resumableBytes(finalPath: string, spec: FileSpec): Promise<{ bytes: number; etag?: string }> {
  const paths = partialPaths(finalPath);
  const size = await fileSize(paths.data);
  if (size === undefined) return { bytes: 0 };
  const meta = await readMeta(paths.meta);
  const sameFile = meta !== undefined && meta.size === spec.size && meta.sha256 === spec.sha256 && meta.gitBlobSha1 === spec.gitBlobSha1;
  if (!sameFile || size > spec.size) {
    await removePartial(finalPath);
    return { bytes: 0 };
  }
  return { bytes: size, etag: meta.etag };
}

export async function writeMeta(finalPath: string, meta: PartialMeta): Promise<void> {
  await fs.writeFile(partialPaths(finalPath).meta, JSON.stringify(meta));
}

async function readMeta(path: string): Promise<PartialMeta | undefined> {
  try {
    const parsed = JSON.parse(await fs.readFile(path, 'utf8')) as PartialMeta;
    return typeof parsed.size === 'number' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

export async function removePartial(finalPath: string): Promise<void> {
  const paths = partialPaths(finalPath);
  await fs.rm(paths.data, { force: true });
  await fs.rm(paths.meta, { force: true });
}

/** Moves the verified `.incomplete` file to its final name (atomic on the same file system). */
export async function promotePartial(finalPath: string): Promise<void> {
  const paths = partialPaths(finalPath);
  await fs.rename(paths.data, finalPath);
  await fs.rm(paths.meta, { force: true });
}

export const QUARANTINE_DIR = '.quarantine';

/**
 * Moves a file that failed verification out of the way, into `<modelDir>/.quarantine/`: it is never
 * loaded, and stays there (latest bad copy per file) until the model downloads completely.
 */
export async function quarantine(modelDir: string, relativePath: string, sourcePath: string): Promise<string> {
  const target = join(modelDir, QUARANTINE_DIR, relativePath.split('/').join('__') + '.corrupt');
  await fs.mkdir(dirname(target), { recursive: true });
  await fs.rm(target, { force: true });
  await fs.rename(sourcePath, target);
  return target;
}

export async function fileSize(path: string): Promise<number | undefined> {
  try {
    const stat = await fs.stat(path);
    return stat.isFile() ? stat.size : undefined;
  } catch {
    return undefined;
  }
}

export function isPartialName(name: string): boolean {
  const base = basename(name);
  return base.endsWith(INCOMPLETE_SUFFIX) || base.endsWith(INCOMPLETE_SUFFIX + '.json');
}
