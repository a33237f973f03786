// The token-embedding table read from the model's file, one row per token (see embeddingRewrite.ts
// for why the lookup left the graph). Positioned reads go through the page cache: nothing of the
// table counts against the engine's memory, and a row costs one small read (6 KB for the 1.5B's
// fp32 rows; a 128-token prefill chunk reads 128 of them, well under a millisecond).
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { dirname } from 'node:path';
import * as ort from 'onnxruntime-node';
import { ModelLoadError } from '../model/modelLoadError';
import { resolveInsideFolder } from '../model/safePath';
import { embeddingRowBytes, embeddingTableBytes, type EmbeddingSpec } from './embeddingRewrite';

/** True when `value` has the shape of an EmbeddingSpec (it may come from a cached JSON file). */
export function isEmbeddingSpec(value: unknown): value is EmbeddingSpec {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const count = (x: unknown) => Number.isSafeInteger(x) && (x as number) > 0;
  return (
    typeof v.input === 'string' &&
    (v.dtype === 'float32' || v.dtype === 'float16') &&
    count(v.rows) &&
    count(v.width) &&
    typeof v.file === 'string' &&
    Number.isSafeInteger(v.offset) &&
    (v.offset as number) >= 0
  );
}

export class EmbeddingTable {
  private fd: number | undefined;
  private readonly rowBytes: number;

  private constructor(
    readonly spec: EmbeddingSpec,
    fd: number,
  ) {
    this.fd = fd;
    this.rowBytes = embeddingRowBytes(spec);
  }

  /** Opens the table named by `spec`, relative to the folder of the graph `onnxPath`. */
  static async open(onnxPath: string, spec: EmbeddingSpec): Promise<EmbeddingTable> {
    const folder = await realpath(dirname(onnxPath));
    const path = await resolveInsideFolder(folder, spec.file, 'embedding table');
    const fd = openSync(path, 'r');
    try {
      const needed = spec.offset + embeddingTableBytes(spec);
      const { size } = fstatSync(fd);
      if (size < needed) {
        throw new ModelLoadError('corrupt-file', `${spec.file} is ${size} bytes, too short for the embedding table it must hold (${needed} bytes): the file is truncated.`);
      }
      return new EmbeddingTable(spec, fd);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  /** The rows of `ids`, as the graph's [1, n, width] input. Ids were checked against the vocabulary by the caller. */
  lookup(ids: readonly number[]): ort.Tensor {
    if (this.fd === undefined) throw new Error('The embedding table is closed.');
    const { rows, width, offset, dtype } = this.spec;
    const bytes = new Uint8Array(ids.length * this.rowBytes);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!Number.isInteger(id) || id < 0 || id >= rows) throw new RangeError(`Token id ${id} is outside the embedding table (0..${rows - 1}).`);
      const target = bytes.subarray(i * this.rowBytes, (i + 1) * this.rowBytes);
      let done = 0;
      while (done < this.rowBytes) {
        const n = readSync(this.fd, target, done, this.rowBytes - done, offset + id * this.rowBytes + done);
        if (n === 0) throw new ModelLoadError('corrupt-file', `${this.spec.file} ended inside embedding row ${id}.`);
        done += n;
      }
    }
    const data = dtype === 'float32' ? new Float32Array(bytes.buffer) : new Uint16Array(bytes.buffer);
    return new ort.Tensor(dtype, data, [1, ids.length, width]);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
