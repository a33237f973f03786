// An .onnx file's structure without its inline weights, for the load-time rewrite. The public 4-bit
// exports keep 1.4-2 GB of weights inline (`raw_data`); decoding such a file whole would hold all of
// it in JavaScript and, once the rewritten copy is written, on disk a second time. Instead the file
// is re-encoded field by field with positioned reads: every large `raw_data` of a graph initializer
// is left out and replaced by an external-data reference to where those bytes already are, in the
// original file. The result is a few hundred KB; onnxruntime reads the weights from the original
// file at those offsets, unchanged.
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { ModelLoadError } from './modelLoadError';
import { Cursor, WIRE_LEN, fields } from './protobufWire';

/** Smaller inline tensors are copied as they are. */
const MIN_EXTERNAL_BYTES = 4096;

// Field numbers from onnx.proto.
const MODEL_GRAPH = 7;
const GRAPH_INITIALIZER = 5;
const TENSOR_RAW_DATA = 9;
const TENSOR_EXTERNAL_DATA = 13;
const TENSOR_DATA_LOCATION = 14;
const ENTRY_KEY = 1;
const ENTRY_VALUE = 2;
const DATA_LOCATION_EXTERNAL = 1;

function varint(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

/** A length-delimited field: tag, length, payload. */
function lengthField(field: number, payload: Uint8Array[]): Uint8Array[] {
  const length = payload.reduce((n, p) => n + p.length, 0);
  return [Uint8Array.from([...varint(field * 8 + WIRE_LEN), ...varint(length)]), ...payload];
}

function stringEntry(key: string, value: string): Uint8Array[] {
  const encoder = new TextEncoder();
  return lengthField(TENSOR_EXTERNAL_DATA, [...lengthField(ENTRY_KEY, [encoder.encode(key)]), ...lengthField(ENTRY_VALUE, [encoder.encode(value)])]);
}

class SkeletonWriter {
  /** Inline tensors turned into references. */
  moved = 0;
  constructor(
    private readonly cursor: Cursor,
    private readonly location: string,
  ) {}

  /** Re-encodes the message in [start, end); `transform` may replace a field by other bytes. */
  private async message(start: number, end: number, transform: (f: { field: number; wire: number; start: number; end: number }) => Promise<Uint8Array[] | undefined>): Promise<Uint8Array[]> {
    const out: Uint8Array[] = [];
    let copyFrom = start;
    for await (const f of fields(this.cursor, start, end)) {
      const replaced = await transform(f);
      if (!replaced) continue;
      if (f.tagStart > copyFrom) out.push(await this.cursor.bytes(copyFrom, f.tagStart - copyFrom));
      out.push(...replaced);
      copyFrom = f.end;
    }
    if (end > copyFrom) out.push(await this.cursor.bytes(copyFrom, end - copyFrom));
    return out;
  }

  model(size: number): Promise<Uint8Array[]> {
    return this.message(0, size, async (f) => (f.field === MODEL_GRAPH && f.wire === WIRE_LEN ? lengthField(MODEL_GRAPH, await this.graph(f.start, f.end)) : undefined));
  }

  private graph(start: number, end: number): Promise<Uint8Array[]> {
    return this.message(start, end, async (f) => {
      if (f.field !== GRAPH_INITIALIZER || f.wire !== WIRE_LEN) return undefined;
      const tensor = await this.tensor(f.start, f.end);
      return tensor ? lengthField(GRAPH_INITIALIZER, tensor) : undefined;
    });
  }

  /** The tensor with its large raw_data replaced by a reference, or undefined to copy it as it is. */
  private async tensor(start: number, end: number): Promise<Uint8Array[] | undefined> {
    let raw: { start: number; length: number } | undefined;
    let external = false;
    for await (const f of fields(this.cursor, start, end)) {
      if (f.field === TENSOR_RAW_DATA && f.wire === WIRE_LEN) raw = { start: f.start, length: f.value };
      if (f.field === TENSOR_EXTERNAL_DATA) external = true;
    }
    if (!raw || external || raw.length < MIN_EXTERNAL_BYTES) return undefined;
    const data = raw;
    this.moved++;
    const kept = await this.message(start, end, async (f) => (f.field === TENSOR_RAW_DATA && f.wire === WIRE_LEN ? [] : undefined));
    return [
      ...kept,
      ...stringEntry('location', this.location),
      ...stringEntry('offset', String(data.start)),
      ...stringEntry('length', String(data.length)),
      Uint8Array.from([...varint(TENSOR_DATA_LOCATION * 8), DATA_LOCATION_EXTERNAL]),
    ];
  }
}

export interface OnnxSkeleton {
  /** The re-encoded model: a valid ONNX file when written next to the original. */
  bytes: Uint8Array;
  /** Graph initializers whose inline bytes are now referenced in the original file. */
  movedInitializers: number;
}

/** The model at `onnxPath` with its large inline initializers referenced where they lie. */
export async function readOnnxSkeleton(onnxPath: string): Promise<OnnxSkeleton> {
  const file = await open(onnxPath, 'r');
  try {
    const { size } = await file.stat();
    if (size === 0) throw new ModelLoadError('corrupt-file', `${basename(onnxPath)} is empty.`);
    const writer = new SkeletonWriter(new Cursor(file, size, basename(onnxPath)), basename(onnxPath));
    const parts = await writer.model(size);
    const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      bytes.set(p, at);
      at += p.length;
    }
    return { bytes, movedInitializers: writer.moved };
  } finally {
    await file.close();
  }
}
