// Part of the load-time rewrite: takes the token-embedding lookup out of the graph, so the engine
// reads the few rows a run needs from the model's own file instead of onnxruntime holding the
// whole table in memory. The table is the largest tensor of an R1 distill's 4-bit export (151,936
// rows of 1,536 floats: 0.93 GB in fp32) and a run reads one row per token. Inline, onnxruntime
// copies it onto its heap; as external data it maps the file, and every looked-up row then stays
// resident with the pages around it (measured: +240 MB after a 4,096-token prompt). Positioned
// reads through the page cache cost nothing resident, and the bytes are the same, so the output is
// exactly the same.
//
// The Gather node `Gather(table, input_ids)` goes; its output becomes a graph input that the engine
// fills with the rows. The table must be read by that node alone (a tied lm_head reading it too
// needs it in memory anyway).
import { onnx } from 'onnx-proto';
import type { GraphEditor } from './graphEditor';

export const INPUTS_EMBEDS = 'r1_inputs_embeds';

/** Where the engine finds the table's rows and what it feeds them as. */
export interface EmbeddingSpec {
  /** Graph input that takes the looked-up rows, [1, s, width]. */
  input: string;
  dtype: 'float32' | 'float16';
  rows: number;
  width: number;
  /** File holding the table, relative to the rewritten .onnx file's folder. */
  file: string;
  /** Byte offset of row 0 in that file. */
  offset: number;
}

export type EmbeddingDetach =
  | { spec: EmbeddingSpec; /** The table's bytes when they were inline: the caller writes them to `spec.file`. */ inlineBytes?: Uint8Array }
  | { skipped: string };

const ELEMENT_BYTES = { float32: 4, float16: 2 } as const;

/** Bytes of one row of the table. */
export function embeddingRowBytes(spec: Pick<EmbeddingSpec, 'width' | 'dtype'>): number {
  return spec.width * ELEMENT_BYTES[spec.dtype];
}

/** Bytes of the whole table. */
export function embeddingTableBytes(spec: Pick<EmbeddingSpec, 'rows' | 'width' | 'dtype'>): number {
  return spec.rows * embeddingRowBytes(spec);
}

function elementType(dataType: number | null | undefined): keyof typeof ELEMENT_BYTES | undefined {
  if (dataType === onnx.TensorProto.DataType.FLOAT) return 'float32';
  if (dataType === onnx.TensorProto.DataType.FLOAT16) return 'float16';
  return undefined;
}

function externalEntry(tensor: onnx.ITensorProto, key: string): string | undefined {
  return (tensor.externalData ?? []).find((e) => e.key === key)?.value ?? undefined;
}

/** Inline table bytes in little-endian element order, from whichever field the exporter used. */
function inlineBytes(tensor: onnx.ITensorProto, dtype: keyof typeof ELEMENT_BYTES, count: number): Uint8Array | undefined {
  if (tensor.rawData && tensor.rawData.length > 0) return tensor.rawData;
  if (dtype === 'float32' && tensor.floatData && tensor.floatData.length === count) {
    return new Uint8Array(Float32Array.from(tensor.floatData).buffer);
  }
  if (dtype === 'float16' && tensor.int32Data && tensor.int32Data.length === count) {
    return new Uint8Array(Uint16Array.from(tensor.int32Data).buffer);
  }
  return undefined;
}

/** Uses of `name` anywhere in the graph, subgraphs included. */
function countUses(graph: onnx.IGraphProto, name: string): number {
  let uses = 0;
  for (const n of graph.node ?? []) {
    uses += (n.input ?? []).filter((x) => x === name).length;
    for (const a of n.attribute ?? []) {
      if (a.g) uses += countUses(a.g, name);
      for (const sub of a.graphs ?? []) uses += countUses(sub, name);
    }
  }
  uses += (graph.output ?? []).filter((o) => o.name === name).length;
  return uses;
}

/**
 * Replaces the embedding Gather with a graph input, in place. `inlineFile` names the file the
 * caller will write an inline table to. Returns what the engine needs, or why it was left alone.
 */
export function detachEmbedding(ed: GraphEditor, inlineFile: string): EmbeddingDetach {
  const graph = ed.graph;
  const gathers = graph.node!.filter((n) => n.opType === 'Gather' && (!n.domain || n.domain === 'ai.onnx') && n.input?.[1] === 'input_ids');
  if (gathers.length !== 1) return { skipped: `${gathers.length} Gather nodes read input_ids` };
  const gather = gathers[0];
  const axis = Number((gather.attribute ?? []).find((a) => a.name === 'axis')?.i ?? 0);
  if (axis !== 0) return { skipped: `the embedding Gather uses axis ${axis}` };
  const tableName = gather.input![0];
  const table = graph.initializer!.find((t) => t.name === tableName);
  if (!table) return { skipped: 'the embedding table is not an initializer' };
  const dtype = elementType(table.dataType);
  if (!dtype) return { skipped: `the embedding table has element type ${table.dataType}` };
  const [rows, width] = (table.dims ?? []).map(Number);
  if ((table.dims ?? []).length !== 2 || !(rows > 0) || !(width > 0)) return { skipped: 'the embedding table is not 2-D' };
  if (countUses(graph, tableName) !== 1) return { skipped: 'the embedding table is read by other nodes too (tied weights)' };
  const tableBytes = embeddingTableBytes({ rows, width, dtype });

  let spec: EmbeddingSpec;
  let bytes: Uint8Array | undefined;
  const input = INPUTS_EMBEDS;
  if (graph.input!.some((i) => i.name === input)) return { skipped: `the model already has an input named ${input}` };
  if (table.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    const location = externalEntry(table, 'location');
    const offset = Number(externalEntry(table, 'offset') ?? 0);
    const length = externalEntry(table, 'length');
    if (!location || !Number.isSafeInteger(offset) || offset < 0) return { skipped: 'the embedding table has no usable external-data location' };
    if (length !== undefined && Number(length) !== tableBytes) return { skipped: `the embedding table's external length ${length} is not ${tableBytes} bytes` };
    spec = { input, dtype, rows, width, file: location, offset };
  } else {
    bytes = inlineBytes(table, dtype, rows * width);
    if (!bytes || bytes.byteLength !== tableBytes) return { skipped: 'the embedding table data is not in a readable inline form' };
    spec = { input, dtype, rows, width, file: inlineFile, offset: 0 };
  }

  const output = gather.output![0];
  graph.node!.splice(graph.node!.indexOf(gather), 1);
  graph.initializer!.splice(graph.initializer!.indexOf(table), 1);
  graph.input!.push({
    name: input,
    type: {
      tensorType: {
        elemType: table.dataType,
        shape: { dim: [{ dimParam: 'batch_size' }, { dimParam: 'sequence_length' }, { dimValue: width }] },
      },
    },
  });
  ed.rename(output, input);
  return { spec, inlineBytes: bytes };
}
