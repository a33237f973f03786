// Incremental content hashing. A download feeds every byte it writes into a ContentHasher, so the
// sha256 is ready the moment the last byte lands (no second pass over a 1–2 GB file). Files the hub
// stores outside LFS come with a git blob sha1 instead of a sha256, so both are computed.

import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { abortError } from './errors';

export interface ContentDigest {
  sha256: string;
  /** sha1 of `blob <size>\0<content>`: the oid git (and the hub's tree) gives a non-LFS file. */
  gitBlobSha1?: string;
}

/** Whether verifying `spec` needs the git blob sha1 (no sha256 known): the only case worth a second hash. */
export function needsGitSha1(spec: { sha256?: string; gitBlobSha1?: string }): boolean {
  return !spec.sha256 && !!spec.gitBlobSha1;
}

export class ContentHasher {
  private sha256!: Hash;
  private gitSha1: Hash | undefined;
  private hashedBytes = 0;

  /** `expectedSize` is part of the git blob header, so it must be known up front. */
  constructor(
    readonly expectedSize: number,
    private readonly withGitSha1 = false,
  ) {
    this.reset();
  }

  /** Back to zero bytes, for a file that restarts from its first byte. */
  reset(): void {
    this.sha256 = createHash('sha256');
    this.gitSha1 = this.withGitSha1 ? createHash('sha1').update(`blob ${this.expectedSize}\0`) : undefined;
    this.hashedBytes = 0;
  }

  get bytes(): number {
    return this.hashedBytes;
  }

  update(chunk: Uint8Array): void {
    this.sha256.update(chunk);
    this.gitSha1?.update(chunk);
    this.hashedBytes += chunk.length;
  }

  digest(): ContentDigest {
    return { sha256: this.sha256.digest('hex'), gitBlobSha1: this.gitSha1?.digest('hex') };
  }
}

/** Feeds the first `length` bytes of a file (all of it when omitted) into `hasher`. */
export async function hashFileInto(
  path: string,
  hasher: ContentHasher,
  options: { length?: number; signal?: AbortSignal; onBytes?: (bytes: number) => void } = {},
): Promise<void> {
  if (options.length === 0) return;
  const stream = createReadStream(path, {
    end: options.length === undefined ? undefined : options.length - 1,
    highWaterMark: 1024 * 1024,
  });
  for await (const chunk of stream) {
    if (options.signal?.aborted) {
      stream.destroy();
      throw abortError();
    }
    hasher.update(chunk as Buffer);
    options.onBytes?.((chunk as Buffer).length);
  }
}

/** sha256 (and, when asked, the git blob sha1) of a whole file. */
export async function hashFile(
  path: string,
  size: number,
  options: { gitBlobSha1?: boolean; signal?: AbortSignal; onBytes?: (bytes: number) => void } = {},
): Promise<ContentDigest> {
  const hasher = new ContentHasher(size, options.gitBlobSha1);
  await hashFileInto(path, hasher, options);
  return hasher.digest();
}

/**
 * Whether a digest matches what a file spec expects; sha256 wins when both are known. A spec with
 * neither (a mirror that sent no hash headers) can only be checked by size, which the caller does.
 */
export function digestMatches(digest: ContentDigest, expected: { sha256?: string; gitBlobSha1?: string }): boolean {
  if (expected.sha256) return digest.sha256 === expected.sha256.toLowerCase();
  if (expected.gitBlobSha1) return digest.gitBlobSha1 !== undefined && digest.gitBlobSha1 === expected.gitBlobSha1.toLowerCase();
  return true;
}
