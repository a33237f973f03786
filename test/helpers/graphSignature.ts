// A structural signature of a decoder graph, for comparing a generated fixture with the real-export
// sample it stands for: what a loader depends on (inputs and outputs with dtypes, the float data
// path's ops per layer, who reads the past and makes the presents, the attributes that change how a
// node computes, where the weights are stored). Integer shape arithmetic (Shape/Gather/Unsqueeze on
// int64 and the like) differs between exporter versions and does not change what runs, so it is
// left out. Two graphs with equal signatures are the same structure for every purpose of the engine.
import { readFileSync } from 'node:fs';
import { onnx } from 'onnx-proto';

const DataType = onnx.TensorProto.DataType;
const FLOAT_TYPES = new Set<number>([DataType.FLOAT, DataType.FLOAT16]);
const BOOL_OPS = new Set(['Equal', 'Greater', 'Less', 'LessOrEqual', 'GreaterOrEqual', 'And', 'Or', 'Not']);
const PAST = /^past_key_values\.\d+\.(key|value)$/;
/** Attributes that change what a node computes (others, like names of dims, do not). */
const KEY_ATTRIBUTES: Record<string, string[]> = {
  MatMulNBits: ['bits', 'block_size', 'accuracy_level', 'K', 'N'],
  GroupQueryAttention: ['num_heads', 'kv_num_heads', 'do_rotary', 'rotary_interleaved', 'local_window_size', 'softcap'],
  MultiHeadAttention: ['num_heads'],
  RotaryEmbedding: ['interleaved', 'num_heads', 'rotary_embedding_dim'],
  SimplifiedLayerNormalization: ['axis'],
  SkipSimplifiedLayerNormalization: [],
  Softmax: ['axis'],
};

type Node = onnx.INodeProto;

export interface GraphSignature {
  opsets: string[];
  inputs: string[];
  outputs: string[];
  /** Float-path op counts outside any layer ("model") and per layer index found in node names. */
  floatOps: Record<string, Record<string, number>>;
  pastReaders: string[];
  presentProducers: string[];
  logitsProducer: string;
  keyAttributes: string[];
  embedding: string;
  /** 'inline' or the external file names the weights are in. */
  weightStorage: string;
  /** MatMulNBits with a zero-points input. */
  zeroPoints: number;
}

function typeName(t: number | null | undefined): string {
  return t === null || t === undefined ? '?' : (DataType[t] ?? String(t));
}

function valueInfoText(v: onnx.IValueInfoProto): string {
  const t = v.type?.tensorType;
  return `${v.name}: ${typeName(t?.elemType)} rank ${t?.shape?.dim?.length ?? '?'}`;
}

function attr(node: Node, name: string): onnx.IAttributeProto | undefined {
  return (node.attribute ?? []).find((a) => a.name === name);
}

function attrText(a: onnx.IAttributeProto | undefined): string {
  if (!a) return '-';
  if (a.type === onnx.AttributeProto.AttributeType.FLOAT) return String(Math.fround(Number(a.f)));
  if (a.type === onnx.AttributeProto.AttributeType.INTS) return `[${(a.ints ?? []).map(Number).join(',')}]`;
  return String(Number(a.i));
}

/** Element types of every value, propagated through the nodes by simple per-op rules. */
function elementTypes(graph: onnx.IGraphProto): Map<string, number> {
  const types = new Map<string, number>();
  for (const i of graph.input ?? []) types.set(i.name ?? '', Number(i.type?.tensorType?.elemType));
  for (const t of graph.initializer ?? []) types.set(t.name ?? '', Number(t.dataType));
  for (const n of graph.node ?? []) {
    const op = n.opType ?? '';
    let t: number | undefined;
    if (op === 'Shape' || op === 'Size' || op === 'NonZero') t = DataType.INT64;
    else if (op === 'Cast') t = Number(attr(n, 'to')?.i);
    else if (op === 'Constant' || op === 'ConstantOfShape') t = Number(attr(n, 'value')?.t?.dataType ?? DataType.FLOAT);
    else if (BOOL_OPS.has(op)) t = DataType.BOOL;
    else if (op === 'Where') t = types.get(n.input?.[1] ?? '');
    else t = types.get((n.input ?? []).find((x) => x) ?? '');
    for (const o of n.output ?? []) if (t !== undefined) types.set(o, t);
  }
  return types;
}

function layerOf(node: Node): string {
  return /\/layers\.(\d+)\//.exec(node.name ?? '')?.[1] ?? 'model';
}

function opName(node: Node): string {
  return node.domain && node.domain !== 'ai.onnx' ? `${node.domain}:${node.opType}` : (node.opType ?? '');
}

export function graphSignature(onnxPath: string): GraphSignature {
  const model = onnx.ModelProto.decode(readFileSync(onnxPath));
  const graph = model.graph!;
  const nodes = (graph.node ?? []).filter((n) => n.opType !== 'Constant');
  const types = elementTypes(graph);
  const floatOps: Record<string, Record<string, number>> = {};
  for (const n of nodes) {
    if (!FLOAT_TYPES.has(types.get(n.output?.[0] ?? '') ?? -1)) continue;
    const layer = layerOf(n);
    floatOps[layer] ??= {};
    floatOps[layer][opName(n)] = (floatOps[layer][opName(n)] ?? 0) + 1;
  }
  const producer = (value: string) => nodes.find((n) => (n.output ?? []).includes(value));
  const pasts = (graph.input ?? []).map((i) => i.name ?? '').filter((n) => PAST.test(n));
  const pastReaders = pasts.map((p) => `${p} <- ${nodes.filter((n) => (n.input ?? []).includes(p)).map(opName).sort().join('+')}`);
  const presents = (graph.output ?? []).map((o) => o.name ?? '').filter((n) => n.startsWith('present.'));
  const presentProducers = presents.map((p) => `${p} <- ${producer(p) ? opName(producer(p)!) : 'none'}`);
  const keyAttributes = nodes
    .filter((n) => KEY_ATTRIBUTES[n.opType ?? ''])
    .map((n) => `${opName(n)}(${KEY_ATTRIBUTES[n.opType!].map((k) => `${k}=${attrText(attr(n, k))}`).join(' ')})`)
    .sort();
  // Concats that append to a past: their axis decides where new rows go.
  for (const n of nodes) if (n.opType === 'Concat' && PAST.test(n.input?.[0] ?? '')) keyAttributes.push(`Concat(past, axis=${attrText(attr(n, 'axis'))})`);
  const gather = nodes.find((n) => n.opType === 'Gather' && n.input?.[1] === 'input_ids');
  const table = (graph.initializer ?? []).find((t) => t.name === gather?.input?.[0]);
  const external = new Set(
    (graph.initializer ?? []).flatMap((t) => (t.externalData ?? []).filter((e) => e.key === 'location').map((e) => e.value ?? '')),
  );
  return {
    opsets: (model.opsetImport ?? []).map((o) => `${o.domain || 'ai.onnx'} ${Number(o.version)}`).sort(),
    inputs: (graph.input ?? []).map(valueInfoText),
    outputs: (graph.output ?? []).map(valueInfoText),
    floatOps,
    pastReaders,
    presentProducers,
    logitsProducer: producer('logits') ? opName(producer('logits')!) : 'none',
    keyAttributes: keyAttributes.sort(),
    embedding: table ? `${typeName(table.dataType)} [${(table.dims ?? []).map(Number).join(', ')}]` : 'no Gather on input_ids',
    weightStorage: external.size === 0 ? 'inline' : [...external].sort().join(', '),
    zeroPoints: nodes.filter((n) => n.opType === 'MatMulNBits' && (n.input ?? []).length > 3 && n.input![3]).length,
  };
}
