// Public surface of the model manager (pure Node, no onnxruntime): used by the CLI's `download`
// subcommand and, through the extension's models/ folder, by VS Code.

export * from './types';
export { DownloadError, type DownloadErrorCode } from './errors';
export {
  CATALOGUE,
  DEFAULT_REPO,
  DEFAULT_REVISION,
  DEFAULT_SOURCE,
  DEFAULT_VARIANT,
  HUGGING_FACE_ENDPOINT,
  OPTIMUM_DTYPES,
  approximateVariantBytes,
  computeClassFor,
  defaultVariantFor,
  filesForVariant,
  findCatalogueModel,
  findVariant,
  type CatalogueFile,
  type CatalogueModel,
  type CatalogueVariant,
  type ComputeClass,
  type ModelRole,
} from './catalogue';
export { downloadModel, LOCK_FILE, type DownloadModelOptions, type DownloadResult } from './modelDownload';
export { MANIFEST_FILE, readManifest } from './manifest';
export { VerifyCache, defaultCachePath, verifyAgainstManifest, type FileCheck, type FileStatus, type FolderVerification } from './verifyFolder';
export { formatBytes } from './diskSpace';
export { type RequestFn, nodeRequest } from './http';
export { modelFolderFor } from './storageLayout';
export { assertModelFolderVerified, checkModelFolder, type CheckModelFolderOptions, type FolderCheck } from './checkModelFolder';
export { describeProgress, formatDuration, formatSpeed, percentDone, progressBarLine } from './progressText';
