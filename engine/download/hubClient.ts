// The subset of the Hugging Face HTTP API the model manager needs: resolve a revision to a commit,
// list the repository tree with each file's size and LFS sha256, and, where a mirror lacks those
// API routes, read the same facts from a HEAD of the file's resolve URL.

import { DownloadError, httpStatusError } from './errors';
import { type RequestFn, nodeRequest, readBodyText, requestFollowingRedirects } from './http';

export interface HubClientOptions {
  endpoint: string;
  /** Sent as a Bearer token to the hub only; never forwarded to a CDN on another host. */
  token?: string;
  request?: RequestFn;
  signal?: AbortSignal;
  idleTimeoutMs?: number;
}

/** A file as the tree endpoint lists it. */
export interface TreeEntry {
  type: 'file' | 'directory' | string;
  path: string;
  size: number;
  /** Git blob sha1. */
  oid: string;
  /** Present for LFS/Xet files: `oid` is the content sha256. */
  lfs?: { oid: string; size: number };
}

/** What a HEAD of a resolve URL tells about one file. */
export interface HeadInfo {
  commit?: string;
  size: number;
  sha256?: string;
  gitBlobSha1?: string;
}

const REPO_PATTERN = /^[A-Za-z0-9][\w.-]*(\/[A-Za-z0-9][\w.-]*)?$/;

export function checkRepoName(repo: string): void {
  if (!REPO_PATTERN.test(repo) || repo.includes('..')) {
    throw new DownloadError('bad-input', `"${repo}" is not a repository name; expected owner/name, e.g. onnx-community/DeepSeek-R1-Distill-Qwen-1.5B-ONNX.`);
  }
}

export class HubClient {
  private readonly endpoint: URL;
  private readonly request: RequestFn;

  constructor(private readonly options: HubClientOptions) {
    try {
      this.endpoint = new URL(options.endpoint.endsWith('/') ? options.endpoint : `${options.endpoint}/`);
    } catch {
      throw new DownloadError('bad-input', `"${options.endpoint}" is not a valid hub URL.`);
    }
    if (this.endpoint.protocol !== 'https:' && this.endpoint.protocol !== 'http:') {
      throw new DownloadError('bad-input', `The hub URL must start with https:// (or http:// for a local mirror): ${options.endpoint}`);
    }
    this.request = options.request ?? nodeRequest;
  }

  /** Headers for requests to the hub; the redirect follower strips Authorization on other hosts. */
  get headers(): Record<string, string> {
    return this.options.token ? { authorization: `Bearer ${this.options.token}` } : {};
  }

  resolveUrl(repo: string, revision: string, path: string): URL {
    const encodedPath = path.split('/').map(encodeURIComponent).join('/');
    return new URL(`${repo}/resolve/${encodeURIComponent(revision)}/${encodedPath}`, this.endpoint);
  }

  /** The commit a branch, tag or commit name points at. */
  async resolveCommit(repo: string, revision: string): Promise<string> {
    const url = new URL(`api/models/${repo}/revision/${encodeURIComponent(revision)}`, this.endpoint);
    const info = (await this.getJson(url, `Revision "${revision}" of ${repo}`)) as { sha?: unknown };
    if (typeof info.sha !== 'string' || !/^[0-9a-f]{40}$/i.test(info.sha)) {
      throw new DownloadError('http', `The hub did not return a commit for ${repo}@${revision}.`);
    }
    return info.sha.toLowerCase();
  }

  /** Every file of the repository at `commit`, following the tree endpoint's pagination. */
  async listTree(repo: string, commit: string): Promise<TreeEntry[]> {
    let url: URL | undefined = new URL(`api/models/${repo}/tree/${encodeURIComponent(commit)}?recursive=true`, this.endpoint);
    const entries: TreeEntry[] = [];
    for (let page = 0; url && page < 1000; page++) {
      const { body, link } = await this.getJsonWithLink(url, `File list of ${repo}@${commit}`);
      if (!Array.isArray(body)) throw new DownloadError('http', `The hub's file list for ${repo} is not a list.`);
      for (const raw of body) entries.push(parseTreeEntry(raw, repo));
      url = nextPageUrl(link, url);
    }
    return entries;
  }

  /**
   * HEAD of a file's resolve URL. Only same-origin redirects are followed (renamed repositories):
   * the `X-Linked-*` headers sit on the hub's own answer, before the redirect to a CDN.
   * Returns undefined when the file does not exist.
   */
  async headFile(repo: string, revision: string, path: string): Promise<HeadInfo | undefined> {
    let url = this.resolveUrl(repo, revision, path);
    for (let hop = 0; hop < 5; hop++) {
      const res = await this.request(url, { method: 'HEAD', headers: { ...this.headers, 'accept-encoding': 'identity' }, signal: this.options.signal, idleTimeoutMs: this.options.idleTimeoutMs });
      res.dispose();
      const location = res.headers['location'];
      if (res.status >= 300 && res.status < 400 && location) {
        const next = new URL(location, url);
        if (next.origin === url.origin && !res.headers['x-linked-size']) {
          url = next;
          continue;
        }
      } else if (res.status === 404) {
        return undefined;
      } else if (res.status >= 400) {
        throw httpStatusError(res.status, `HEAD ${path}`);
      }
      const linkedSize = res.headers['x-linked-size'];
      const size = Number(linkedSize ?? res.headers['content-length']);
      if (!Number.isSafeInteger(size) || size < 0) throw new DownloadError('http', `The hub gave no size for ${path}.`);
      const linkedEtag = unquoteEtag(res.headers['x-linked-etag']);
      const etag = unquoteEtag(res.headers['etag']);
      return {
        commit: res.headers['x-repo-commit'],
        size,
        sha256: linkedEtag && /^[0-9a-f]{64}$/i.test(linkedEtag) ? linkedEtag.toLowerCase() : undefined,
        gitBlobSha1: !linkedSize && etag && /^[0-9a-f]{40}$/i.test(etag) ? etag.toLowerCase() : undefined,
      };
    }
    throw new DownloadError('http', `Too many redirects for ${path}.`);
  }

  private async getJson(url: URL, what: string): Promise<unknown> {
    return (await this.getJsonWithLink(url, what)).body;
  }

  private async getJsonWithLink(url: URL, what: string): Promise<{ body: unknown; link?: string }> {
    const res = await requestFollowingRedirects(this.request, url, {
      method: 'GET',
      headers: { ...this.headers, accept: 'application/json' },
      signal: this.options.signal,
      idleTimeoutMs: this.options.idleTimeoutMs,
    });
    if (res.status !== 200) {
      res.dispose();
      throw httpStatusError(res.status, what);
    }
    const text = await readBodyText(res);
    try {
      return { body: JSON.parse(text), link: res.headers['link'] };
    } catch (error) {
      throw new DownloadError('http', `${what}: the hub answered with invalid JSON.`, { cause: error });
    }
  }
}

function parseTreeEntry(raw: unknown, repo: string): TreeEntry {
  const e = raw as Partial<TreeEntry> | null;
  if (!e || typeof e.path !== 'string' || typeof e.type !== 'string') {
    throw new DownloadError('http', `The hub's file list for ${repo} has a malformed entry.`);
  }
  const lfs = e.lfs && typeof e.lfs.oid === 'string' && typeof e.lfs.size === 'number' ? { oid: e.lfs.oid.replace(/^sha256:/, '').toLowerCase(), size: e.lfs.size } : undefined;
  return { type: e.type, path: e.path, size: typeof e.size === 'number' ? e.size : -1, oid: typeof e.oid === 'string' ? e.oid.toLowerCase() : '', lfs };
}

/** `Link: <https://…?cursor=…>; rel="next"` → the next page's URL. */
function nextPageUrl(link: string | undefined, base: URL): URL | undefined {
  const match = link?.match(/<([^>]+)>\s*;\s*rel="?next"?/);
  return match ? new URL(match[1], base) : undefined;
}

/** `W/"abc"` or `"abc"` → `abc`. */
export function unquoteEtag(etag: string | undefined): string | undefined {
  if (!etag) return undefined;
  return etag.replace(/^W\//, '').replace(/^"|"$/g, '');
}
