// Moves the large inline initializers of a rewritten graph into one external-data file beside it.
// The public 4-bit exports keep their weights inline (a 1.4-2 GB .onnx); onnxruntime then parses
// the whole protobuf into memory and copies every weight out of it while creating the session. From
// external data at aligned offsets it maps the file instead, and weights it repacks are read from
// the page cache rather than from a second in-memory copy. The bytes are written unchanged, so the
// model computes exactly what it did. The rewritten graph is a copy anyway: this changes only how
// that copy is laid out on disk, not how much disk it takes.
import { open } from 'node:fs/promises';
import { onnx } from 'onnx-proto';

/** Smaller tensors stay inline: a file entry per bias vector is not worth it. */
const MIN_BYTES = 4096;
/** Tensors of 1 MB and more start at a multiple of 64 KiB: mappable on Windows (64 KiB granularity) and elsewhere (4 KiB pages). */
const LARGE_BYTES = 1 << 20;
const LARGE_ALIGNMENT = 1 << 16;
const SMALL_ALIGNMENT = 64;

/**
 * Writes every top-level initializer with at least MIN_BYTES of `rawData` to `dataPath` and points it
 * there as `location` (relative to the graph's folder). Returns how many tensors moved; with none,
 * no file is written.
 */
export async function externalizeInitializers(graph: onnx.IGraphProto, dataPath: string, location: string): Promise<number> {
  const movable = (graph.initializer ?? []).filter((t) => t.dataLocation !== onnx.TensorProto.DataLocation.EXTERNAL && (t.rawData?.length ?? 0) >= MIN_BYTES);
  if (movable.length === 0) return 0;
  const file = await open(dataPath, 'w');
  try {
    let offset = 0;
    for (const tensor of movable) {
      const bytes = tensor.rawData!;
      const alignment = bytes.length >= LARGE_BYTES ? LARGE_ALIGNMENT : SMALL_ALIGNMENT;
      const pad = (alignment - (offset % alignment)) % alignment;
      if (pad > 0) {
        await file.write(new Uint8Array(pad), 0, pad, offset);
        offset += pad;
      }
      let written = 0;
      while (written < bytes.length) {
        const { bytesWritten } = await file.write(bytes, written, bytes.length - written, offset + written);
        written += bytesWritten;
      }
      tensor.externalData = [
        { key: 'location', value: location },
        { key: 'offset', value: String(offset) },
        { key: 'length', value: String(bytes.length) },
      ];
      tensor.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
      tensor.rawData = new Uint8Array(0);
      offset += bytes.length;
    }
  } finally {
    await file.close();
  }
  return movable.length;
}
