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
// else node by node with positioned reads): inline weights (1.4–2 GB in some public exports) are
// never read.
// (The rewrite's own count, `accuracyLevelRaised`, only counts the nodes it changed: it says nothing
// of the genai export's own level 4, nor of a graph run as exported.)
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { onnx } from 'onnx-proto';
import { Cursor, fields, WIRE_LEN } from '../model/protobufWire';

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

// Field numbers from onnx.proto, for walking a large file without decoding its inline weights.
const MODEL_GRAPH = 7;
const GRAPH_NODE = 1;

/** Graph files up to this size are decoded whole (the rewritten copies are a few hundred KB). */
const READ_WHOLE_BYTES = 64 * 1024 * 1024;

function collectGraph(graph: onnx.IGraphProto | null | undefined, levels: Set<number>): void {
  for (const node of graph?.node ?? []) collectNode(node, levels);
}

function collectNode(node: onnx.INodeProto, levels: Set<number>): void {
  let level = 0;
  for (const a of node.attribute ?? []) {
    if (a.name === 'accuracy_level' && a.i !== null && a.i !== undefined) level = Number(a.i);
    // Subgraphs (If, Loop, Scan bodies) may hold MatMulNBits too.
    collectGraph(a.g, levels);
    for (const g of a.graphs ?? []) collectGraph(g, levels);
  }
  if (node.opType === 'MatMulNBits' && node.domain === 'com.microsoft') levels.add(level);
}

/** The accuracy_level of every MatMulNBits node in the graph file (subgraphs included); an absent attribute counts as 0. */
export async function matMulNBitsLevels(onnxPath: string, readWholeBytes = READ_WHOLE_BYTES): Promise<Set<number>> {
  const levels = new Set<number>();
  const file = await open(onnxPath, 'r');
  try {
    const { size } = await file.stat();
    if (size <= readWholeBytes) {
      collectGraph(onnx.ModelProto.decode(await file.readFile()).graph, levels);
      return levels;
    }
    // Weights inline: walk the model and its graph on the file, read each node (small) into memory.
    const c = new Cursor(file, size, basename(onnxPath));
    for await (const f of fields(c, 0, size)) {
      if (f.field !== MODEL_GRAPH || f.wire !== WIRE_LEN) continue;
      for await (const g of fields(c, f.start, f.end)) {
        if (g.field === GRAPH_NODE && g.wire === WIRE_LEN) collectNode(onnx.NodeProto.decode(await c.bytes(g.start, g.end - g.start)), levels);
      }
    }
    return levels;
  } finally {
    await file.close();
  }
}
