// A fake Hugging Face hub for tests, on 127.0.0.1 only: the subset of the HTTP API the model
// manager uses (revision + tree JSON, resolve URLs with HEAD headers, Range requests) and a second
// "CDN" server on another port that LFS files redirect to, like the real hub. Faults can be queued
// per file to test resume and verification: dropped connections, ignored ranges, wrong offsets,
// short answers, 416, changed ETags, corrupted bytes, error statuses.

import { createHash, randomBytes } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export type Fault =
  /** Send the body up to absolute file offset `at`, then cut the connection. */
  | { kind: 'drop'; at: number }
  /** Answer a Range request with 200 and the whole file. */
  | { kind: 'ignore-range' }
  /** Answer a Range request with a 206 that starts `shift` bytes away from the asked offset. */
  | { kind: 'wrong-start'; shift: number }
  /** Answer with a valid 206 covering only `length` bytes. */
  | { kind: 'short-206'; length: number }
  /** Answer with this status and no body (416, 500, 503, ...). */
  | { kind: 'status'; status: number }
  /** From now on the file has a new ETag (the server then ignores If-Range when `ignoreIfRange`). */
  | { kind: 'change-etag'; ignoreIfRange?: boolean }
  /** Flip the byte at absolute file offset `at` in this answer (same size, wrong content). */
  | { kind: 'corrupt'; at: number }
  /** Send the body up to absolute file offset `at`, then go silent with the connection open. */
  | { kind: 'stall'; at: number };

export interface HubFile {
  content: Buffer;
  /** Stored in LFS: served through the CDN redirect, with a sha256 `lfs.oid`. */
  lfs: boolean;
  /** Hashes computed once when the file is added (hashing per request would dominate big benchmarks). */
  sha256: string;
  gitBlobSha1: string;
}

export interface HubRepo {
  commit: string;
  branches: Record<string, string>;
  files: Map<string, HubFile>;
}

export interface RecordedRequest {
  server: 'hub' | 'cdn';
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
}

export interface HubServerOptions {
  /** API routes answer 404 (a mirror that serves only resolve URLs). */
  apiDisabled?: boolean;
  /** Tree pages hold this many entries (pagination through the Link header). */
  treePageSize?: number;
  /** Pace file bodies at about this rate, so that a small test model downloads slowly enough to watch. */
  bytesPerSecond?: number;
}

export class HubServer {
  readonly repos = new Map<string, HubRepo>();
  readonly requests: RecordedRequest[] = [];
  private readonly faults = new Map<string, Fault[]>();
  private apiFailures: number[] = [];
  private readonly etagVersion = new Map<string, number>();
  private readonly ignoreIfRange = new Set<string>();
  private readonly served = new Map<string, number>();
  private readonly contentRequests = new Map<string, number>();
  private hub!: Server;
  private cdn!: Server;
  hubUrl = '';
  cdnUrl = '';

  constructor(private readonly options: HubServerOptions = {}) {}

  async start(): Promise<this> {
    this.hub = createServer((req, res) => this.handle('hub', req, res));
    this.cdn = createServer((req, res) => this.handle('cdn', req, res));
    this.hubUrl = `http://127.0.0.1:${await listen(this.hub)}`;
    this.cdnUrl = `http://127.0.0.1:${await listen(this.cdn)}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const server of [this.hub, this.cdn]) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  /** Adds a repository; files whose name does not end in .json go to LFS unless `lfs` says otherwise. */
  addRepo(repo: string, files: Record<string, Buffer>, options: { lfs?: (path: string) => boolean; branch?: string } = {}): HubRepo {
    const isLfs = options.lfs ?? ((p: string) => !p.endsWith('.json'));
    const commit = randomBytes(20).toString('hex');
    const entry: HubRepo = {
      commit,
      branches: { [options.branch ?? 'main']: commit },
      files: new Map(Object.entries(files).map(([p, content]) => [p, { content, lfs: isLfs(p), sha256: sha256(content), gitBlobSha1: gitBlobSha1(content) }])),
    };
    this.repos.set(repo, entry);
    return entry;
  }

  /** Queues faults for the next content requests of `path` (one fault per request, in order). */
  injectFaults(path: string, ...faults: Fault[]): void {
    this.faults.set(path, [...(this.faults.get(path) ?? []), ...faults]);
  }

  clearFaults(): void {
    this.faults.clear();
    this.apiFailures = [];
  }

  /** The next API requests (revision, tree) answer these statuses, one per request. */
  failApiRequests(...statuses: number[]): void {
    this.apiFailures.push(...statuses);
  }

  /** Body bytes sent for `path` (hub and CDN together). */
  bytesServed(path: string): number {
    return this.served.get(path) ?? 0;
  }

  /** GET requests that returned (or started to return) content of `path`. */
  contentRequestCount(path: string): number {
    return this.contentRequests.get(path) ?? 0;
  }

  totalBytesServed(): number {
    let sum = 0;
    for (const n of this.served.values()) sum += n;
    return sum;
  }

  private handle(server: 'hub' | 'cdn', req: IncomingMessage, res: ServerResponse): void {
    this.requests.push({ server, method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers });
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    try {
      if (server === 'cdn') return this.serveCdn(url, req, res);
      if (url.pathname.startsWith('/api/models/')) return this.serveApi(url, res);
      const resolve = url.pathname.match(/^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/);
      if (resolve) return this.serveResolve(decodeURIComponent(resolve[1]), decodeURIComponent(resolve[2]), resolve[3].split('/').map(decodeURIComponent).join('/'), req, res);
      notFound(res);
    } catch (error) {
      res.statusCode = 500;
      res.end(String(error));
    }
  }

  private findCommit(repo: HubRepo, revision: string): string | undefined {
    return repo.branches[revision] ?? (revision === repo.commit ? repo.commit : undefined);
  }

  private serveApi(url: URL, res: ServerResponse): void {
    if (this.options.apiDisabled) return notFound(res);
    const failure = this.apiFailures.shift();
    if (failure !== undefined) {
      res.statusCode = failure;
      return void res.end();
    }
    const m = url.pathname.match(/^\/api\/models\/([^/]+\/[^/]+)\/(revision|tree)\/([^/]+)$/);
    const repo = m && this.repos.get(decodeURIComponent(m[1]));
    const commit = repo && this.findCommit(repo, decodeURIComponent(m[3]));
    if (!m || !repo || !commit) return notFound(res);
    if (m[2] === 'revision') {
      return sendJson(res, { id: m[1], sha: commit, siblings: [...repo.files.keys()].map((rfilename) => ({ rfilename })) });
    }
    const entries = [...repo.files.entries()].map(([path, file]) => ({
      type: 'file',
      path,
      size: file.content.length,
      oid: file.gitBlobSha1,
      ...(file.lfs ? { lfs: { oid: file.sha256, size: file.content.length, pointerSize: 134 } } : {}),
    }));
    const pageSize = this.options.treePageSize ?? entries.length;
    const cursor = Number(url.searchParams.get('cursor') ?? 0);
    const page = entries.slice(cursor, cursor + pageSize);
    if (cursor + pageSize < entries.length) {
      const next = new URL(url.href);
      next.searchParams.set('cursor', String(cursor + pageSize));
      res.setHeader('link', `<${next.pathname}${next.search}>; rel="next"`);
    }
    sendJson(res, page);
  }

  private serveResolve(repoName: string, revision: string, path: string, req: IncomingMessage, res: ServerResponse): void {
    const repo = this.repos.get(repoName);
    const commit = repo && this.findCommit(repo, revision);
    const file = repo?.files.get(path);
    if (!repo || !commit || !file) return notFound(res);
    res.setHeader('x-repo-commit', commit);
    if (file.lfs) {
      res.setHeader('x-linked-size', String(file.content.length));
      res.setHeader('x-linked-etag', `"${file.sha256}"`);
      res.setHeader('etag', `"${file.sha256}"`);
      res.statusCode = 302;
      res.setHeader('location', `${this.cdnUrl}/blobs/${file.sha256}?path=${encodeURIComponent(path)}`);
      return void res.end();
    }
    this.serveContent(path, file, req, res, file.gitBlobSha1);
  }

  private serveCdn(url: URL, req: IncomingMessage, res: ServerResponse): void {
    const oid = url.pathname.match(/^\/blobs\/([0-9a-f]{64})$/)?.[1];
    const path = url.searchParams.get('path') ?? '';
    for (const repo of this.repos.values()) {
      const file = repo.files.get(path);
      if (file && oid === file.sha256) return this.serveContent(path, file, req, res, oid);
    }
    notFound(res);
  }

  private serveContent(path: string, file: HubFile, req: IncomingMessage, res: ServerResponse, baseEtag: string): void {
    const version = this.etagVersion.get(path) ?? 0;
    const etag = `"${baseEtag}${version ? `-v${version}` : ''}"`;
    const size = file.content.length;
    res.setHeader('accept-ranges', 'bytes');
    res.setHeader('etag', etag);
    if (req.method === 'HEAD') {
      res.setHeader('content-length', String(size));
      return void res.end();
    }
    this.contentRequests.set(path, (this.contentRequests.get(path) ?? 0) + 1);
    let fault = this.faults.get(path)?.shift();
    if (fault?.kind === 'change-etag') {
      this.etagVersion.set(path, version + 1);
      if (fault.ignoreIfRange) this.ignoreIfRange.add(path);
      res.setHeader('etag', `"${baseEtag}-v${version + 1}"`);
      fault = undefined;
    }
    if (fault?.kind === 'status') {
      res.statusCode = fault.status;
      return void res.end();
    }
    const currentEtag = res.getHeader('etag');
    const ifRange = req.headers['if-range'];
    const rangeHeader = req.headers['range'];
    const rangeStart = rangeHeader?.match(/^bytes=(\d+)-$/)?.[1];
    const honourRange = rangeStart !== undefined && (!ifRange || ifRange === currentEtag || this.ignoreIfRange.has(path));
    let body = file.content;
    if (fault?.kind === 'corrupt') {
      body = Buffer.from(file.content);
      body[fault.at] ^= 0xff;
    }
    if (!honourRange || fault?.kind === 'ignore-range') {
      res.statusCode = 200;
      return void this.sendBody(path, res, body, 0, size, fault);
    }
    let start = Number(rangeStart);
    if (start >= size) {
      res.statusCode = 416;
      res.setHeader('content-range', `bytes */${size}`);
      return void res.end();
    }
    let end = size;
    if (fault?.kind === 'wrong-start') start = Math.max(0, Math.min(size - 1, start + fault.shift));
    if (fault?.kind === 'short-206') end = Math.min(size, start + fault.length);
    res.statusCode = 206;
    res.setHeader('content-range', `bytes ${start}-${end - 1}/${size}`);
    void this.sendBody(path, res, body, start, end, fault);
  }

  private async sendBody(path: string, res: ServerResponse, body: Buffer, start: number, end: number, fault: Fault | undefined): Promise<void> {
    res.setHeader('content-length', String(end - start));
    const dropAt = fault?.kind === 'drop' ? Math.max(start, Math.min(end, fault.at)) : undefined;
    const stallAt = fault?.kind === 'stall' ? Math.max(start, Math.min(end, fault.at)) : undefined;
    const stop = dropAt ?? stallAt ?? end;
    res.flushHeaders();
    const pace = this.options.bytesPerSecond;
    // Paced: ten pieces a second of a tenth of the rate each.
    const chunk = pace ? Math.max(1, Math.floor(pace / 10)) : 256 * 1024;
    for (let pos = start; pos < stop; pos += chunk) {
      const piece = body.subarray(pos, Math.min(stop, pos + chunk));
      this.served.set(path, (this.served.get(path) ?? 0) + piece.length);
      if (!res.write(piece)) await new Promise((resolve) => res.once('drain', resolve));
      if (res.destroyed) return;
      if (pace) await new Promise((resolve) => setTimeout(resolve, 100));
      if (res.destroyed) return;
    }
    if (stallAt !== undefined) return; // silent until the client gives up and closes the connection
    if (dropAt !== undefined) {
      // Let the bytes so far reach the client, then cut the connection mid-body.
      res.write(Buffer.alloc(0), () => res.socket?.destroy());
      return;
    }
    res.end();
  }
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function sendJson(res: ServerResponse, value: unknown): void {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(value));
}

function notFound(res: ServerResponse): void {
  res.statusCode = 404;
  res.end('not found');
}

export function sha256(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

export function gitBlobSha1(content: Buffer): string {
  return createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
}

/** Deterministic pseudo-random bytes (a seeded xorshift), so failures reproduce. */
export function seededBytes(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/**
 * A model folder's files as a hub repository publishes them, keyed by forward-slash paths under
 * `prefix`. The generator's completeness marker (fixture.json) is not part of a model repository.
 */
export function folderAsHubFiles(dir: string, prefix = ''): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name !== 'fixture.json') out[prefix + relative(dir, full).split('\\').join('/')] = readFileSync(full);
    }
  };
  walk(dir);
  return out;
}
