// Everything that can be wrong with a model folder, as a stable code plus a message that names the
// file or field at fault, so the CLI and the extension can show it as-is and act on the code.

export type ModelLoadErrorCode =
  /** The folder (or a file it must contain) does not exist. */
  | 'not-found'
  /** The folder is not laid out like either supported export family. */
  | 'not-a-model'
  /** A file is still being downloaded (`*.incomplete`). */
  | 'incomplete-download'
  /** An external-data path points outside the model folder. */
  | 'unsafe-external-data'
  /** A file is truncated or not what its name says (bad protobuf, bad JSON). */
  | 'corrupt-file'
  /** The graph loads but its inputs/outputs are not a decoder with a KV cache we can drive. */
  | 'unsupported-model'
  /** onnxruntime refused the model even on the CPU provider. */
  | 'session-failed';

export class ModelLoadError extends Error {
  override readonly name = 'ModelLoadError';
  constructor(
    readonly code: ModelLoadErrorCode,
    message: string,
  ) {
    super(message);
  }
}
