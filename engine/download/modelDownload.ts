// Downloads a whole model into a folder: the one code path behind `r1-local download` and the
// extension's "Download model" command.
//
//   1. take the folder's lock (a second caller waits here, then finds the work done);
//   2. a complete manifest for the same source whose files verify → done, no network at all;
//   3. resolve the revision to a commit and every file's size and hash; write the manifest;
//   4. keep files that verify, quarantine those that do not, check free space for the rest;
//   5. fetch each missing file (resumable, hashed while streaming, renamed when verified);
//   6. mark the manifest complete and drop the quarantined bad copies.

import { promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import { DownloadError, fileSystemError, isRetryable } from './errors';
import { type FreeSpaceProbe, ensureFreeSpace, statfsFreeBytes } from './diskSpace';
import { downloadFile } from './fileDownload';
import { type RequestFn, nodeRequest } from './http';
import { HubClient } from './hubClient';
import { acquireLock } from './lockFile';
import { readManifest, safeModelPath, writeManifest } from './manifest';
import { type OpenPartialFile, QUARANTINE_DIR, openPartialFile, partialPaths, quarantine, resumableBytes } from './partialFile';
import { resolvePlan } from './resolvePlan';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, withRetries } from './retry';
import { SpeedMeter } from './speedMeter';
import type { DownloadEvent, DownloadListener, FileSpec, ModelManifest, ModelSource } from './types';
import { VerifyCache, defaultCachePath, rememberVerified, verifyAgainstManifest, verifyFile } from './verifyFolder';

export const LOCK_FILE = '.r1-local-download.lock';

export interface DownloadModelOptions {
  source: ModelSource;
  /** The model folder, e.g. `<globalStorage>/models/<repo>/<revision>`. */
  modelDir: string;
  /** Hub token (HF_TOKEN); sent to the hub only, never to a CDN on another host. */
  token?: string;
  /**
   * The lock that serialises downloads (default: in the model folder, one download per model).
   * A path shared by all models (the extension uses one in its storage folder) makes it one
   * download at a time across windows.
   */
  lockPath?: string;
  /** Ask the hub even when a complete, verified copy of this source is already present. */
  checkForUpdates?: boolean;
  signal?: AbortSignal;
  onEvent?: DownloadListener;
  /** Injection points for tests and for hosts with their own networking. */
  request?: RequestFn;
  openPartialFile?: OpenPartialFile;
  freeSpace?: FreeSpaceProbe;
  retry?: Partial<RetryPolicy>;
  maxIntegrityRestarts?: number;
  idleTimeoutMs?: number;
  lockStaleMs?: number;
  lockPollMs?: number;
  /** Minimum time between two `progress` events. */
  progressIntervalMs?: number;
}

export interface DownloadResult {
  modelDir: string;
  manifest: ModelManifest;
  /** Bytes received over the network by this call (0 when everything was already there). */
  fetchedBytes: number;
}

export async function downloadModel(options: DownloadModelOptions): Promise<DownloadResult> {
  const { modelDir, source } = options;
  const emit: DownloadListener = options.onEvent ?? (() => undefined);
  try {
    await fs.mkdir(modelDir, { recursive: true });
  } catch (error) {
    throw fileSystemError(error, modelDir);
  }
  const lockPath = options.lockPath ?? join(modelDir, LOCK_FILE);
  try {
    await fs.mkdir(dirname(lockPath), { recursive: true });
  } catch (error) {
    throw fileSystemError(error, dirname(lockPath));
  }
  const lock = await acquireLock(lockPath, {
    staleMs: options.lockStaleMs,
    pollMs: options.lockPollMs,
    signal: options.signal,
    onWait: (holder) => emit({ type: 'waiting-for-lock', lockPath, holderPid: holder?.pid }),
  });
  try {
    await refuseOtherModel(modelDir, source);
    const cache = await VerifyCache.open(defaultCachePath(modelDir));
    if (!options.checkForUpdates) {
      const present = await presentAndVerified(modelDir, source, cache, options.signal);
      if (present) {
        for (const file of present.files) emit({ type: 'file-done', path: file.path, reused: true });
        emit({ type: 'done', modelDir, commit: present.commit, fetchedBytes: 0 });
        return { modelDir, manifest: present, fetchedBytes: 0 };
      }
    }
    return await downloadLocked(options, cache, emit);
  } finally {
    await lock.release();
  }
}

/**
 * A folder holds one model variant: the engine picks the ONNX file from what the folder contains,
 * so adding another repository's or variant's files would make that choice ambiguous.
 */
async function refuseOtherModel(modelDir: string, source: ModelSource): Promise<void> {
  const manifest = await readManifest(modelDir).catch(() => undefined);
  if (manifest && (manifest.repo.toLowerCase() !== source.repo.toLowerCase() || manifest.variant !== source.variant)) {
    throw new DownloadError('bad-input', `${modelDir} already holds ${manifest.repo} (${manifest.variant}); download ${source.repo} (${source.variant}) into another folder.`);
  }
}

/** The folder's manifest when it is complete, for this source, and every file still verifies. */
async function presentAndVerified(modelDir: string, source: ModelSource, cache: VerifyCache, signal?: AbortSignal): Promise<ModelManifest | undefined> {
  const manifest = await readManifest(modelDir).catch(() => undefined);
  if (!manifest?.complete || !sameSource(manifest, source)) return undefined;
  const result = await verifyAgainstManifest(modelDir, manifest, { cache, signal });
  return result.ok ? manifest : undefined;
}

function sameSource(manifest: ModelManifest, source: ModelSource): boolean {
  return (
    manifest.repo.toLowerCase() === source.repo.toLowerCase() &&
    manifest.variant === source.variant &&
    (manifest.revision === source.revision || manifest.commit === source.revision.toLowerCase())
  );
}

async function downloadLocked(options: DownloadModelOptions, cache: VerifyCache, emit: DownloadListener): Promise<DownloadResult> {
  const { modelDir, source, signal } = options;
  const hub = new HubClient({ endpoint: source.endpoint, token: options.token, request: options.request ?? nodeRequest, signal, idleTimeoutMs: options.idleTimeoutMs });
  const retryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const plan = await withRetries(() => resolvePlan(source, hub), retryPolicy, isRetryable, {
    signal,
    onRetry: (attempt, error, delayMs) => emit({ type: 'retry', path: '(file list)', attempt, reason: error instanceof Error ? error.message : String(error), delayMs }),
  });
  const manifest: ModelManifest = {
    formatVersion: 1,
    endpoint: source.endpoint,
    repo: source.repo,
    revision: source.revision,
    commit: plan.commit,
    variant: source.variant,
    files: plan.files.map((f) => ({ ...f })),
    complete: false,
    updatedAt: new Date().toISOString(),
  };
  await writeManifest(modelDir, manifest);
  // Bad copies left by an earlier, unfinished run: their replacements are about to be fetched.
  await fs.rm(join(modelDir, QUARANTINE_DIR), { recursive: true, force: true });

  // What is already right stays; what is wrong is quarantined; the rest is counted for the space check.
  const toFetch = new Map<FileSpec, number>(); // file → bytes already in its .incomplete
  let bytesToFetch = 0;
  for (const spec of manifest.files) {
    const finalPath = safeModelPath(modelDir, spec.path);
    const check = await verifyFile(modelDir, spec, { cache, signal });
    if (check.status === 'ok') continue;
    if (check.status === 'hash-mismatch' || check.status === 'size-mismatch') {
      const where = await quarantine(modelDir, spec.path, finalPath);
      cache.forget(finalPath);
      emit({ type: 'quarantined', path: spec.path, quarantinePath: where, reason: check.status === 'hash-mismatch' ? 'sha256 mismatch' : (check.detail ?? 'wrong size') });
    }
    const resumed = (await resumableBytes(finalPath, spec)).bytes;
    toFetch.set(spec, resumed);
    bytesToFetch += spec.size - resumed;
  }
  const totalBytes = manifest.files.reduce((sum, f) => sum + f.size, 0);
  emit({ type: 'resolved', commit: plan.commit, files: manifest.files, totalBytes, bytesToFetch });
  await ensureFreeSpace(modelDir, bytesToFetch, options.freeSpace ?? statfsFreeBytes);

  const progress = new ProgressTracker(totalBytes - bytesToFetch, totalBytes, emit, options.progressIntervalMs ?? 100);
  for (const spec of manifest.files) {
    const resumed = toFetch.get(spec);
    if (resumed === undefined) {
      emit({ type: 'file-done', path: spec.path, reused: true });
      continue;
    }
    const finalPath = safeModelPath(modelDir, spec.path);
    progress.startFile(resumed);
    const digest = await downloadFile({
      url: hub.resolveUrl(source.repo, plan.commit, spec.remotePath ?? spec.path),
      headers: hub.headers,
      modelDir,
      finalPath,
      spec,
      request: options.request ?? nodeRequest,
      openPartialFile: options.openPartialFile ?? openPartialFile,
      retry: retryPolicy,
      maxIntegrityRestarts: options.maxIntegrityRestarts ?? 1,
      idleTimeoutMs: options.idleTimeoutMs,
      signal,
      emit,
      onBytes: (received, fileBytes) => progress.update(spec, received, fileBytes),
    });
    progress.finishFile(spec);
    spec.sha256 ??= digest.sha256;
    await rememberVerified(cache, modelDir, spec, digest);
    await cache.save();
    emit({ type: 'file-done', path: spec.path, reused: false });
  }

  const stray = await strayPartials(modelDir, manifest.files);
  if (stray.length > 0) throw new DownloadError('io', `Leftover partial files after the download: ${stray.join(', ')}`);
  manifest.complete = true;
  manifest.updatedAt = new Date().toISOString();
  await writeManifest(modelDir, manifest);
  // Bad copies were kept aside while their replacements downloaded; once every file verifies they
  // only cost disk space (up to the size of the model), so they go.
  await fs.rm(join(modelDir, QUARANTINE_DIR), { recursive: true, force: true });
  emit({ type: 'done', modelDir, commit: plan.commit, fetchedBytes: progress.received });
  return { modelDir, manifest, fetchedBytes: progress.received };
}

async function strayPartials(modelDir: string, files: FileSpec[]): Promise<string[]> {
  const found: string[] = [];
  for (const f of files) {
    const partial = partialPaths(safeModelPath(modelDir, f.path)).data;
    if (await fs.stat(partial).then(() => true, () => false)) found.push(f.path);
  }
  return found;
}

/** Turns per-chunk byte counts into throttled `progress` events with speed and ETA. */
class ProgressTracker {
  /** Bytes received from the network by this call. */
  received = 0;
  /** Bytes of the whole model on disk (resumed partial bytes included). */
  done: number;
  private fileBase = 0;
  private lastEmit = -Infinity;
  private readonly meter = new SpeedMeter();

  constructor(
    done: number,
    private readonly total: number,
    private readonly emit: (event: DownloadEvent) => void,
    private readonly intervalMs: number,
  ) {
    this.done = done;
  }

  /** `resumed`: bytes of this file already on disk, and so already counted in `done`. */
  startFile(resumed: number): void {
    this.fileBase = this.done - resumed;
  }

  update(spec: FileSpec, received: number, fileBytes: number): void {
    this.received += received;
    this.meter.add(received);
    // After a restart from zero fileBytes goes back down, and `done` with it.
    this.done = this.fileBase + fileBytes;
    const now = performance.now();
    if (now - this.lastEmit < this.intervalMs) return;
    this.lastEmit = now;
    this.emitProgress(spec, fileBytes);
  }

  finishFile(spec: FileSpec): void {
    this.done = this.fileBase + spec.size;
    this.emitProgress(spec, spec.size);
  }

  private emitProgress(spec: FileSpec, fileBytes: number): void {
    this.emit({
      type: 'progress',
      path: spec.path,
      fileBytes,
      fileSize: spec.size,
      doneBytes: this.done,
      totalBytes: this.total,
      bytesPerSecond: this.meter.bytesPerSecond(),
      etaSeconds: this.meter.etaSeconds(this.total - this.done),
    });
  }
}
