// Downloads one file: resumable, hashed while streaming, promoted to its final name only after the
// hash matches. The resume rules are strict because a wrong append silently corrupts a 2 GB file:
// a Range request is answered correctly only by a 206 whose Content-Range starts exactly at the
// local size and whose ETag (when known) is unchanged; a 200, a 416, any other start or a changed
// ETag throws the partial bytes away and starts the file again from zero.

import { promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import { DownloadError, abortError, fileSystemError, httpStatusError, isRetryable } from './errors';
import { type ContentDigest, ContentHasher, digestMatches, hashFileInto, needsGitSha1 } from './hashing';
import { type HttpResponse, type RequestFn, requestFollowingRedirects } from './http';
import { unquoteEtag } from './hubClient';
import {
  type OpenPartialFile,
  type PartialFileWriter,
  partialPaths,
  promotePartial,
  quarantine,
  removePartial,
  resumableBytes,
  writeMeta,
} from './partialFile';
import { type RetryPolicy, backoffDelayMs, sleep } from './retry';
import type { DownloadEvent, FileSpec } from './types';

export interface FileDownloadContext {
  url: URL;
  /** Headers for the hub (Authorization); dropped by the redirect follower on other hosts. */
  headers: Record<string, string>;
  modelDir: string;
  finalPath: string;
  spec: FileSpec;
  request: RequestFn;
  openPartialFile: OpenPartialFile;
  retry: RetryPolicy;
  /** Full re-downloads allowed after a hash mismatch before giving up. */
  maxIntegrityRestarts: number;
  idleTimeoutMs?: number;
  signal?: AbortSignal;
  emit: (event: DownloadEvent) => void;
  /** Called with every chunk size received (for speed) and the file's bytes on disk so far. */
  onBytes: (received: number, fileBytes: number) => void;
}

export interface ContentRange {
  start: number;
  end: number;
  total?: number;
}

/** `bytes 100-199/1000` (or `/*`) → {start, end, total}; undefined when malformed. */
export function parseContentRange(value: string | undefined): ContentRange | undefined {
  const m = value?.match(/^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i);
  if (!m) return undefined;
  const range = { start: Number(m[1]), end: Number(m[2]), total: m[3] === '*' ? undefined : Number(m[3]) };
  return range.end >= range.start ? range : undefined;
}

/** Why a response cannot be appended to `resumeFrom` local bytes, or undefined when it can. */
export function rejectResumeReason(res: Pick<HttpResponse, 'status' | 'headers'>, resumeFrom: number, expectedTotal: number, knownEtag: string | undefined): string | undefined {
  if (res.status === 200) return 'the server ignored the Range request (200)';
  if (res.status === 416) return 'the server refused the range (416)';
  const range = parseContentRange(res.headers['content-range']);
  if (!range) return 'the 206 answer had no valid Content-Range';
  if (range.start !== resumeFrom) return `the 206 answer started at byte ${range.start}, not ${resumeFrom}`;
  if (range.total !== undefined && range.total !== expectedTotal) return `the file on the server is ${range.total} bytes, not ${expectedTotal}`;
  const etag = strongEtag(res.headers['etag']);
  if (knownEtag && etag && etag !== knownEtag) return 'the file changed on the server (ETag differs)';
  return undefined;
}

function strongEtag(value: string | undefined): string | undefined {
  if (!value || value.startsWith('W/')) return undefined;
  return unquoteEtag(value);
}

/** Downloads `ctx.spec` to `ctx.finalPath`. Resolves, with its hashes, once the file is verified and in place. */
export async function downloadFile(ctx: FileDownloadContext): Promise<ContentDigest> {
  const { spec, finalPath } = ctx;
  await fs.mkdir(dirname(finalPath), { recursive: true }).catch((e) => {
    throw fileSystemError(e, dirname(finalPath));
  });
  let integrityRestarts = 0;
  for (;;) {
    const outcome = await fetchToPartial(ctx);
    const digest = outcome.hasher.digest();
    if (digestMatches(digest, spec)) {
      await promotePartial(finalPath).catch((e) => {
        throw fileSystemError(e, finalPath);
      });
      return digest;
    }
    const where = await quarantine(ctx.modelDir, spec.path, partialPaths(finalPath).data);
    await removePartial(finalPath);
    ctx.emit({ type: 'quarantined', path: spec.path, quarantinePath: where, reason: 'sha256 mismatch after download' });
    if (++integrityRestarts > ctx.maxIntegrityRestarts) {
      throw new DownloadError('integrity', `${spec.path} failed verification ${integrityRestarts} times (expected sha256 ${spec.sha256 ?? '(git ' + spec.gitBlobSha1 + ')'}, got ${digest.sha256}). The copy is in ${where}.`);
    }
  }
}

/** Brings `<file>.incomplete` to the full size, retrying and resuming; returns the hash state. */
async function fetchToPartial(ctx: FileDownloadContext): Promise<{ hasher: ContentHasher }> {
  const { spec, finalPath, signal } = ctx;
  const partialPath = partialPaths(finalPath).data;
  const resumable = await resumableBytes(finalPath, spec);
  const hasher = new ContentHasher(spec.size, needsGitSha1(spec));
  const state: ResumeState = { hasher, etag: resumable.etag };
  if (resumable.bytes > 0) {
    // Re-hash what earlier runs left, once; from here on the hash follows every written byte.
    await hashFileInto(partialPath, hasher, { length: resumable.bytes, signal });
  } else {
    await startOver(ctx, state);
  }
  ctx.emit({ type: 'file-start', path: spec.path, size: spec.size, resumeFrom: hasher.bytes });

  let consecutiveFailures = 0;
  for (let attempt = 1; hasher.bytes < spec.size; attempt++) {
    if (signal?.aborted) throw abortError();
    if (attempt > ctx.retry.maxAttemptsPerFile) {
      throw new DownloadError('network', `Gave up on ${spec.path} after ${ctx.retry.maxAttemptsPerFile} attempts (${hasher.bytes} of ${spec.size} bytes).`);
    }
    const before = hasher.bytes;
    try {
      await fetchOnce(ctx, state);
      if (hasher.bytes < spec.size && hasher.bytes <= before) {
        throw new DownloadError('network', `The server sent no new bytes of ${spec.path}.`);
      }
      consecutiveFailures = 0;
    } catch (error) {
      if (signal?.aborted) throw abortError();
      if (!isRetryable(error)) throw error;
      consecutiveFailures = hasher.bytes > before ? 1 : consecutiveFailures + 1;
      if (consecutiveFailures > ctx.retry.maxConsecutiveFailures) {
        const detail = error instanceof Error ? error.message : String(error);
        throw new DownloadError('network', `Gave up on ${spec.path} after ${consecutiveFailures} failed attempts in a row: ${detail}`, { cause: error });
      }
      const delayMs = backoffDelayMs(ctx.retry, consecutiveFailures);
      ctx.emit({ type: 'retry', path: spec.path, attempt, reason: error instanceof Error ? error.message : String(error), delayMs });
      await sleep(delayMs, signal);
    }
  }
  return { hasher };
}

interface ResumeState {
  /** Hash of exactly the bytes in the partial file. */
  hasher: ContentHasher;
  /** ETag of the response the partial bytes came from. */
  etag?: string;
}

/** Throws the partial bytes away: empty partial file, fresh hash, no ETag. */
async function startOver(ctx: FileDownloadContext, state: ResumeState): Promise<void> {
  state.hasher.reset();
  state.etag = undefined;
  try {
    await removePartial(ctx.finalPath);
    await writeMeta(ctx.finalPath, metaOf(ctx.spec, undefined));
    await fs.writeFile(partialPaths(ctx.finalPath).data, new Uint8Array(0));
  } catch (error) {
    throw fileSystemError(error, partialPaths(ctx.finalPath).data);
  }
}

/**
 * One request. Appends what the server sends when it is the exact continuation of the partial
 * file; a full 200 answer replaces the partial bytes; any other wrong answer discards them and the
 * caller asks again from byte 0.
 */
async function fetchOnce(ctx: FileDownloadContext, state: ResumeState): Promise<void> {
  const { spec, finalPath } = ctx;
  const resumeFrom = state.hasher.bytes;
  const headers: Record<string, string> = { ...ctx.headers, 'accept-encoding': 'identity' };
  if (resumeFrom > 0) {
    headers['range'] = `bytes=${resumeFrom}-`;
    if (state.etag) headers['if-range'] = `"${state.etag}"`;
  }
  const res = await requestFollowingRedirects(ctx.request, ctx.url, { method: 'GET', headers, signal: ctx.signal, idleTimeoutMs: ctx.idleTimeoutMs });
  if (res.status !== 200 && res.status !== 206 && res.status !== 416) {
    res.dispose();
    throw httpStatusError(res.status, `Downloading ${spec.path}`);
  }
  if (resumeFrom > 0) {
    const reason = rejectResumeReason(res, resumeFrom, spec.size, state.etag);
    if (reason) {
      ctx.emit({ type: 'restart', path: spec.path, reason });
      await startOver(ctx, state);
      if (res.status !== 200) {
        res.dispose();
        // Counted as an attempt without progress, so a server that always answers this way ends.
        throw new DownloadError('http', `Resuming ${spec.path}: ${reason}; starting the file again.`, { retryable: true });
      }
      // A 200 carries the whole file: use it from byte 0 instead of asking again.
    }
  } else if (res.status !== 200) {
    res.dispose();
    throw new DownloadError('http', `Downloading ${spec.path}: unexpected HTTP status ${res.status} without a Range request.`, { retryable: true });
  }

  const offset = state.hasher.bytes;
  const etag = strongEtag(res.headers['etag']);
  if (offset === 0) {
    state.etag = etag;
    await writeMeta(finalPath, metaOf(spec, etag)).catch((e) => {
      res.dispose();
      throw fileSystemError(e, partialPaths(finalPath).data);
    });
  }
  await appendBody(ctx, res, state.hasher, offset > 0 ? 'append' : 'truncate');
}

/** Bytes gathered before one write: fewer, larger writes keep the disk side off the critical path. */
const WRITE_BATCH_BYTES = 4 * 1024 * 1024;

/**
 * Streams the body into the partial file. Chunks are gathered into batches; a batch is hashed only
 * after it is written, so the hash always covers exactly the bytes on disk — also when the
 * connection drops, because the batch received so far is written before the error goes up.
 */
async function appendBody(ctx: FileDownloadContext, res: HttpResponse, hasher: ContentHasher, mode: 'append' | 'truncate'): Promise<void> {
  const { spec, finalPath } = ctx;
  const partialPath = partialPaths(finalPath).data;
  let writer: PartialFileWriter;
  try {
    writer = await ctx.openPartialFile(partialPath, mode);
  } catch (error) {
    res.dispose();
    throw fileSystemError(error, spec.path);
  }
  let batch: Buffer[] = [];
  let batchBytes = 0;
  const flush = async () => {
    if (batchBytes === 0) return;
    const data = batch.length === 1 ? batch[0] : Buffer.concat(batch, batchBytes);
    batch = [];
    batchBytes = 0;
    try {
      await writer.write(data);
    } catch (error) {
      res.dispose();
      throw fileSystemError(error, `${spec.path} (${partialPath})`);
    }
    hasher.update(data);
  };
  try {
    try {
      for await (const chunk of res.body) {
        const room = spec.size - hasher.bytes - batchBytes;
        const usable = chunk.length > room ? chunk.subarray(0, room) : chunk;
        if (usable.length > 0) {
          batch.push(usable);
          batchBytes += usable.length;
        }
        if (batchBytes >= WRITE_BATCH_BYTES) await flush();
        ctx.onBytes(chunk.length, hasher.bytes + batchBytes);
        if (chunk.length > room) {
          // More bytes than the file has: stop reading; the hash check decides whether what we kept is right.
          res.dispose();
          break;
        }
      }
    } finally {
      // Keep what arrived before a drop: it is a correct continuation and saves re-fetching it.
      await flush();
    }
  } finally {
    await writer.close().catch(() => undefined);
  }
}

function metaOf(spec: FileSpec, etag: string | undefined) {
  return { size: spec.size, sha256: spec.sha256, gitBlobSha1: spec.gitBlobSha1, etag };
}
