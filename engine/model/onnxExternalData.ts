// Lists the external-data files an .onnx model refers to, without loading the model.
//
// Why a scanner and not a full protobuf decode: the public 4-bit exports are 1.4–2 GB files whose
// weights sit inline (`raw_data`); decoding them whole would double the engine's peak memory just
// to read a few file names. This walks the protobuf wire format with positioned reads, descends
// only into the messages that can hold tensors, and skips every other field by its length.
// A file that ends in the middle of a field is reported as truncated.
import { open } from 'node:fs/promises';
import { ModelLoadError } from './modelLoadError';
import { Cursor, WIRE_LEN, fields } from './protobufWire';

export interface ExternalDataRef {
  /** Initializer (or attribute tensor) name, for error messages. */
  tensor: string;
  /** The `location` entry as written in the model: relative to the .onnx file's folder. */
  location: string;
  offset: number;
  /** Bytes the tensor reads; undefined when the model does not say (then: to the end of the file). */
  length?: number;
}

// Field numbers from onnx.proto (ModelProto, GraphProto, NodeProto, AttributeProto, FunctionProto,
// SparseTensorProto, TensorProto). A schema maps a field to the message it contains.
type Schema = { [field: number]: Schema | 'tensor' };
const TENSOR = 'tensor' as const;
const sparse: Schema = { 1: TENSOR, 2: TENSOR };
const graph: Schema = {};
const attribute: Schema = { 5: TENSOR, 6: graph, 10: TENSOR, 11: graph, 22: sparse, 23: sparse };
const node: Schema = { 5: attribute };
Object.assign(graph, { 1: node, 5: TENSOR, 15: sparse });
const fn: Schema = { 7: node };
const model: Schema = { 7: graph, 25: fn };

async function readTensor(c: Cursor, start: number, end: number, out: ExternalDataRef[]): Promise<void> {
  let name = '';
  const entries = new Map<string, string>();
  for await (const f of fields(c, start, end)) {
    if (f.wire !== WIRE_LEN) continue;
    if (f.field === 8) name = (await c.bytes(f.start, f.value)).toString('utf8');
    if (f.field === 13) {
      let key = '';
      let value = '';
      for await (const e of fields(c, f.start, f.end)) {
        if (e.wire !== WIRE_LEN) continue;
        if (e.field === 1) key = (await c.bytes(e.start, e.value)).toString('utf8');
        if (e.field === 2) value = (await c.bytes(e.start, e.value)).toString('utf8');
      }
      entries.set(key, value);
    }
  }
  // Vet every `location`, even one ORT would ignore because data_location is not EXTERNAL.
  const location = entries.get('location');
  if (location === undefined) return;
  const num = (key: string): number | undefined => {
    const raw = entries.get(key);
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isSafeInteger(n) || n < 0) throw new ModelLoadError('corrupt-file', `Tensor "${name}": external data ${key} ${JSON.stringify(raw)} is not a byte count.`);
    return n;
  };
  out.push({ tensor: name, location, offset: num('offset') ?? 0, length: num('length') });
}

async function walk(c: Cursor, start: number, end: number, schema: Schema, out: ExternalDataRef[]): Promise<void> {
  for await (const f of fields(c, start, end)) {
    const child = schema[f.field];
    if (child === undefined || f.wire !== WIRE_LEN) continue;
    if (child === TENSOR) await readTensor(c, f.start, f.end, out);
    else await walk(c, f.start, f.end, child, out);
  }
}

/** Every external-data reference in the model at `onnxPath`; throws ModelLoadError on a damaged file. */
export async function listExternalData(onnxPath: string, label = onnxPath): Promise<ExternalDataRef[]> {
  const file = await open(onnxPath, 'r');
  try {
    const { size } = await file.stat();
    if (size === 0) throw new ModelLoadError('corrupt-file', `${label} is empty.`);
    const cursor = new Cursor(file, size, label);
    let sawGraph = false;
    const out: ExternalDataRef[] = [];
    for await (const f of fields(cursor, 0, size)) {
      if (f.field === 7 && f.wire === WIRE_LEN) sawGraph = true;
      const child = model[f.field];
      if (child !== undefined && child !== TENSOR && f.wire === WIRE_LEN) await walk(cursor, f.start, f.end, child, out);
    }
    if (!sawGraph) throw new ModelLoadError('corrupt-file', `${label} is not an ONNX model (it has no graph).`);
    return out;
  } finally {
    await file.close();
  }
}
