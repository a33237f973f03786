// onnxruntime versions known to map some packed weights wrongly, and whether a graph has such
// weights. Saving the pre-packed weights (prepackedWeights.ts) costs a first load about five times as
// long and 2 GB of disk for the 1.5B model; a copy that cannot work is only found out after that, by
// the check that follows the save. When the graph loaded and this onnxruntime's version tell in
// advance, the weights are packed on the heap at once and nothing is saved. Any version not listed
// keeps the save-then-verify path, so a fixed onnxruntime is picked up without a change here.
//
// The graph's MatMulNBits accuracy levels are read from the graph file itself, the one onnxruntime
// is about to load: the rewrite raises them to 4 (its fast path), the genai cpu export already has 4,
// and graphs run as exported keep theirs. Only node fields are read (the file whole when it is small,
// else with positioned reads): inline weights (1.4–2 GB in some public exports) are never read.
// (The rewrite's own count, `accuracyLevelRaised`, only counts the nodes it changed: it says nothing
// of the genai export's own level 4, nor of a graph run as exported.)
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { Cursor, fields, WIRE_LEN, WIRE_VARINT } from '../model/protobufWire';

/** One known fault: MatMulNBits weights packed at `accuracyLevel` come back wrong when mapped. */
interface KnownMismap {
  versions: readonly string[];
  accuracyLevel: number;
  /** What goes wrong, as the reason reads: "onnxruntime <version> <what>; packed on the heap". */
  what: string;
}

/**
 * Measured: with onnxruntime-node 1.30.0, MatMulNBits weights packed at accuracy_level 4 give
 * non-finite logits from the mapped copy (the 1.5B model and every small sample), while the same
 * weights at accuracy_level 0 map right.
 */
export const KNOWN_MISMAPS: readonly KnownMismap[] = [{ versions: ['1.30.0'], accuracyLevel: 4, what: 'maps accuracy-level-4 packed weights wrongly' }];

/** The reason the weights stay on the heap when `version` is known to mis-map a graph with these MatMulNBits accuracy levels; undefined otherwise. */
export function knownMismap(version: string, accuracyLevels: ReadonlySet<number>, table: readonly KnownMismap[] = KNOWN_MISMAPS): string | undefined {
  const hit = table.find((k) => k.versions.includes(version) && accuracyLevels.has(k.accuracyLevel));
  return hit ? `onnxruntime ${version} ${hit.what}; packed on the heap` : undefined;
}

// Field numbers from onnx.proto.
const MODEL_GRAPH = 7;
const GRAPH_NODE = 1;
const NODE_OP_TYPE = 4;
const NODE_ATTRIBUTE = 5;
const NODE_DOMAIN = 7;
const ATTR_NAME = 1;
const ATTR_I = 3;
const ATTR_G = 6;
const ATTR_GRAPHS = 11;

/** Graph files up to this size are read whole and scanned in memory (the rewritten copies are a few hundred KB). */
const READ_WHOLE_BYTES = 64 * 1024 * 1024;

interface WireField {
  field: number;
  wire: number;
  start: number;
  end: number;
  value: number;
}

/** The fields of the message in buf[start, end), synchronously (protobufWire.ts reads files; this reads memory). */
function* wireFields(buf: Uint8Array, start: number, end: number): Generator<WireField> {
  const varint = (at: number): [number, number] => {
    let value = 0;
    let scale = 1;
    for (let i = at; i < Math.min(at + 10, end); i++) {
      value += (buf[i] & 0x7f) * scale;
      if ((buf[i] & 0x80) === 0) return [value, i + 1];
      scale *= 128;
    }
    throw new Error('malformed protobuf varint');
  };
  let pos = start;
  while (pos < end) {
    const [tag, afterTag] = varint(pos);
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    if (wire === WIRE_VARINT) {
      const [value, next] = varint(afterTag);
      yield { field, wire, start: afterTag, end: next, value };
      pos = next;
    } else if (wire === WIRE_LEN) {
      const [length, payload] = varint(afterTag);
      if (payload + length > end) throw new Error('protobuf field past its message');
      yield { field, wire, start: payload, end: payload + length, value: length };
      pos = payload + length;
    } else if (wire === 1) pos = afterTag + 8;
    else if (wire === 5) pos = afterTag + 4;
    else throw new Error(`unsupported protobuf wire type ${wire}`);
  }
}

const decoder = new TextDecoder();

function scanGraph(buf: Uint8Array, start: number, end: number, levels: Set<number>): void {
  for (const f of wireFields(buf, start, end)) if (f.field === GRAPH_NODE && f.wire === WIRE_LEN) scanNode(buf, f.start, f.end, levels);
}

function scanNode(buf: Uint8Array, start: number, end: number, levels: Set<number>): void {
  let opType = '';
  let domain = '';
  let level = 0;
  for (const f of wireFields(buf, start, end)) {
    if (f.wire !== WIRE_LEN) continue;
    if (f.field === NODE_OP_TYPE) opType = decoder.decode(buf.subarray(f.start, f.end));
    else if (f.field === NODE_DOMAIN) domain = decoder.decode(buf.subarray(f.start, f.end));
    else if (f.field === NODE_ATTRIBUTE) {
      let name = '';
      let value: number | undefined;
      for (const a of wireFields(buf, f.start, f.end)) {
        if (a.field === ATTR_NAME && a.wire === WIRE_LEN) name = decoder.decode(buf.subarray(a.start, a.end));
        else if (a.field === ATTR_I && a.wire === WIRE_VARINT) value = a.value;
        else if ((a.field === ATTR_G || a.field === ATTR_GRAPHS) && a.wire === WIRE_LEN) scanGraph(buf, a.start, a.end, levels);
      }
      if (name === 'accuracy_level' && value !== undefined) level = value;
    }
  }
  if (opType === 'MatMulNBits' && domain === 'com.microsoft') levels.add(level);
}

/** The accuracy_level of every MatMulNBits node in the graph file (subgraphs included); an absent attribute counts as 0. */
export async function matMulNBitsLevels(onnxPath: string, readWholeBytes = READ_WHOLE_BYTES): Promise<Set<number>> {
  const levels = new Set<number>();
  const file = await open(onnxPath, 'r');
  try {
    const { size } = await file.stat();
    if (size <= readWholeBytes) {
      const buf = await file.readFile();
      for (const f of wireFields(buf, 0, buf.length)) if (f.field === MODEL_GRAPH && f.wire === WIRE_LEN) scanGraph(buf, f.start, f.end, levels);
      return levels;
    }
    // Weights inline: walk the model and its graph on the file, read each node (small) into memory.
    const c = new Cursor(file, size, basename(onnxPath));
    for await (const f of fields(c, 0, size)) {
      if (f.field !== MODEL_GRAPH || f.wire !== WIRE_LEN) continue;
      for await (const g of fields(c, f.start, f.end)) {
        if (g.field === GRAPH_NODE && g.wire === WIRE_LEN) scanNode(await c.bytes(g.start, g.end - g.start), 0, g.end - g.start, levels);
      }
    }
    return levels;
  } finally {
    await file.close();
  }
}
