// Vocabulary of the model manager: what a model source is, what each file must be, and the events
// a download reports while it runs.

/** Where a model comes from: a Hugging Face compatible hub, a repository, a revision and a variant. */
export interface ModelSource {
  /** Hub base URL, e.g. https://huggingface.co (no trailing slash needed). */
  endpoint: string;
  /** `owner/name`. */
  repo: string;
  /** Branch, tag or commit; resolved to a commit before anything is downloaded. */
  revision: string;
  /** Catalogue variant id (`q4f16`, `q4`, `cpu-int4`, ...) or, for unknown repositories, a dtype suffix. */
  variant: string;
}

/** One file a model needs, with what it must hash to. */
export interface FileSpec {
  /** Path inside the repository and inside the model folder, `/`-separated. */
  path: string;
  /** Path in the repository when it differs from `path` (variants kept in a subfolder). */
  remotePath?: string;
  size: number;
  /** Content sha256 (the LFS oid) when the hub gave it, or as computed after a verified download. */
  sha256?: string;
  /** Git blob sha1 (the tree `oid` / ETag of files not stored in LFS); used when no sha256 is known. */
  gitBlobSha1?: string;
}

/** The resolved list of files of one model at one commit. */
export interface DownloadPlan {
  source: ModelSource;
  commit: string;
  files: FileSpec[];
}

/** What the model folder records about itself: source, commit, and every file's size and hash. */
export interface ModelManifest {
  formatVersion: 1;
  endpoint: string;
  repo: string;
  revision: string;
  commit: string;
  variant: string;
  files: FileSpec[];
  /** True once every file was downloaded and verified. */
  complete: boolean;
  updatedAt: string;
}

export type DownloadEvent =
  | { type: 'waiting-for-lock'; lockPath: string; holderPid?: number }
  | { type: 'resolved'; commit: string; files: FileSpec[]; totalBytes: number; bytesToFetch: number }
  | { type: 'file-start'; path: string; size: number; resumeFrom: number }
  | {
      type: 'progress';
      path: string;
      fileBytes: number;
      fileSize: number;
      doneBytes: number;
      totalBytes: number;
      /** Smoothed transfer speed; 0 until enough data arrived. */
      bytesPerSecond: number;
      /** Seconds left for the whole download, when the speed is known. */
      etaSeconds?: number;
    }
  | { type: 'retry'; path: string; attempt: number; reason: string; delayMs: number }
  | { type: 'restart'; path: string; reason: string }
  | { type: 'quarantined'; path: string; quarantinePath: string; reason: string }
  | { type: 'file-done'; path: string; reused: boolean }
  | { type: 'done'; modelDir: string; commit: string; fetchedBytes: number };

export type DownloadListener = (event: DownloadEvent) => void;
