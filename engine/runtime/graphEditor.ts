// Small editing vocabulary for ONNX graphs held as onnx-proto objects: fresh names, constants of
// the graph's own float type, producer/consumer look-ups, renames that reach into subgraphs, and
// removal of nodes nothing reads any more. The load-time rewrites (graphRewrite.ts and the files it
// calls) use only this, so each of them reads as "what changes", not "how protobuf objects move".
import { onnx } from 'onnx-proto';
import { floatToHalf, halfToFloat } from './float16';

type Graph = onnx.IGraphProto;
type Node = onnx.INodeProto;

export type FloatType = 'float32' | 'float16';

const PREFIX = 'r1_rewrite';
const DataType = onnx.TensorProto.DataType;

export function floatTypeOf(elemType: number | null | undefined): FloatType | undefined {
  if (elemType === DataType.FLOAT) return 'float32';
  if (elemType === DataType.FLOAT16) return 'float16';
  return undefined;
}

export function elemTypeOf(type: FloatType): number {
  return type === 'float16' ? DataType.FLOAT16 : DataType.FLOAT;
}

export function intsAttr(name: string, ints: number[]): onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INTS, ints };
}

export function intAttr(name: string, i: number): onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INT, i };
}

export function floatAttr(name: string, f: number): onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.FLOAT, f };
}

/** A node's attribute, or undefined. */
export function attribute(node: Node, name: string): onnx.IAttributeProto | undefined {
  return (node.attribute ?? []).find((a) => a.name === name);
}

/** Renames every use of `from` to `to` in node inputs, subgraphs included (they may read outer values). */
export function renameUses(graph: Graph, from: string, to: string): void {
  for (const n of graph.node ?? []) {
    n.input = (n.input ?? []).map((x) => (x === from ? to : x));
    for (const a of n.attribute ?? []) {
      if (a.g) renameUses(a.g, from, to);
      for (const sub of a.graphs ?? []) renameUses(sub, from, to);
    }
  }
}

/** Every value a graph's nodes read, subgraphs included (a subgraph may read outer values). */
function readValues(graph: Graph, into = new Set<string>()): Set<string> {
  for (const n of graph.node ?? []) {
    for (const x of n.input ?? []) if (x) into.add(x);
    for (const a of n.attribute ?? []) {
      if (a.g) readValues(a.g, into);
      for (const sub of a.graphs ?? []) readValues(sub, into);
    }
  }
  return into;
}

export class GraphEditor {
  private counter = 0;
  constructor(readonly graph: Graph) {
    graph.node ??= [];
    graph.initializer ??= [];
    graph.input ??= [];
    graph.output ??= [];
  }

  fresh(label: string): string {
    return `${PREFIX}/${label}_${this.counter++}`;
  }

  int64Constant(label: string, values: number[]): string {
    const name = this.fresh(label);
    this.graph.initializer!.push({ name, dataType: DataType.INT64, dims: [values.length], int64Data: values });
    return name;
  }

  /** A float constant in `type`: float16 graphs get float16 constants, so no node mixes types. */
  floatConstant(label: string, values: number[], dims: number[] = [values.length], type: FloatType = 'float32'): string {
    const name = this.fresh(label);
    if (type === 'float16') {
      const halves = Uint16Array.from(values, floatToHalf);
      this.graph.initializer!.push({ name, dataType: DataType.FLOAT16, dims, rawData: new Uint8Array(halves.buffer) });
    } else {
      this.graph.initializer!.push({ name, dataType: DataType.FLOAT, dims, floatData: values });
    }
    return name;
  }

  node(opType: string, inputs: string[], output: string, attribute: onnx.IAttributeProto[] = [], domain = ''): Node {
    return { opType, domain, input: inputs, output: [output], name: output, attribute };
  }

  producerIndex(name: string): number {
    return this.graph.node!.findIndex((n) => (n.output ?? []).includes(name));
  }

  producer(name: string): Node | undefined {
    const i = this.producerIndex(name);
    return i >= 0 ? this.graph.node![i] : undefined;
  }

  consumers(name: string): Node[] {
    return this.graph.node!.filter((n) => (n.input ?? []).includes(name));
  }

  input(name: string): onnx.IValueInfoProto | undefined {
    return this.graph.input!.find((i) => i.name === name);
  }

  output(name: string): onnx.IValueInfoProto | undefined {
    return this.graph.output!.find((o) => o.name === name);
  }

  /** Inserts nodes before position `index` (nodes are kept in topological order). */
  insertAt(index: number, nodes: Node[]): void {
    this.graph.node!.splice(index, 0, ...nodes);
  }

  /** Renames every use of `from`, subgraphs included. */
  rename(from: string, to: string): void {
    renameUses(this.graph, from, to);
  }

  isInitializer(name: string): boolean {
    return this.graph.initializer!.some((t) => t.name === name) || this.graph.node!.some((n) => n.opType === 'Constant' && (n.output ?? []).includes(name));
  }

  /** The values of a small float or int constant (initializer or Constant node), or undefined. */
  constantValues(name: string): number[] | undefined {
    const tensor = this.graph.initializer!.find((t) => t.name === name) ?? this.producer(name)?.attribute?.find((a) => a.name === 'value' && a.t)?.t;
    if (!tensor || (this.producer(name) && this.producer(name)!.opType !== 'Constant')) return undefined;
    if (tensor.floatData?.length) return tensor.floatData.map(Number);
    if (tensor.int64Data?.length) return tensor.int64Data.map(Number);
    const raw = tensor.rawData;
    if (!raw || raw.length === 0 || raw.length > 4096) return undefined;
    // A copy at offset 0 (protobuf may hand out a Buffer view into the whole file, and its slice() does not copy).
    const bytes = new Uint8Array(raw);
    if (tensor.dataType === DataType.FLOAT) return Array.from(new Float32Array(bytes.buffer, 0, bytes.length / 4));
    if (tensor.dataType === DataType.FLOAT16) return Array.from(new Uint16Array(bytes.buffer, 0, bytes.length / 2), halfToFloat);
    if (tensor.dataType === DataType.INT64) return Array.from(new BigInt64Array(bytes.buffer, 0, bytes.length / 8), Number);
    return undefined;
  }

  /**
   * Removes nodes whose outputs nothing reads and that produce no graph output, until none is
   * left, then initializers nothing reads (a replaced attention leaves whole chains behind).
   * Returns how many nodes went.
   */
  removeUnusedNodes(): number {
    const graphOutputs = new Set(this.graph.output!.map((o) => o.name ?? ''));
    let removed = 0;
    for (;;) {
      const read = readValues(this.graph);
      const keep = this.graph.node!.filter((n) => (n.output ?? []).some((o) => o && (read.has(o) || graphOutputs.has(o))));
      if (keep.length === this.graph.node!.length) break;
      removed += this.graph.node!.length - keep.length;
      this.graph.node = keep;
    }
    const read = readValues(this.graph);
    this.graph.initializer = this.graph.initializer!.filter((t) => read.has(t.name ?? '') || graphOutputs.has(t.name ?? ''));
    return removed;
  }
}
