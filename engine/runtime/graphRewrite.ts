// Load-time rewrite of an exported decoder graph, so that onnxruntime-node never hands the KV
// cache back to JavaScript (it copies every output into a new JS buffer on every run). The past
// becomes a zero-copy view of the engine's own buffers and present.* carry only the new rows:
//   - every layer's attention (GroupQueryAttention, MultiHeadAttention or the decomposed attention
//     of an Optimum trace) is replaced by attention that reads a whole per-head capacity buffer in
//     place (inPlaceAttention.ts): no copy of the past and no repeat_kv per step;
//   - failing that, a past read only by a Concat is fed the whole capacity buffer, its unused slots
//     zeroed in attention_mask like padding (the graph's Concat still copies it once per step);
//   - any other graph gets the past as [1, T, kvHeads, d] rows, transposed back inside the graph,
//     and returns its new rows after the past.
// In the same pass the lm_head runs on the last `logits_to_keep` positions only (1 while decoding,
// a few while verifying a speculative draft) and MatMulNBits nodes get accuracy_level 4 (int8
// activations: about twice as fast on the CPU provider), and the token-embedding lookup leaves the
// graph for the engine to do from the file (embeddingRewrite.ts). Weight values are never changed:
// every other initializer, external-data reference and node stays as it was.
import { onnx } from 'onnx-proto';
import { detachEmbedding, type EmbeddingSpec } from './embeddingRewrite';
import { GraphEditor, intsAttr, renameUses } from './graphEditor';
import { rewriteAttentionInPlace } from './inPlaceAttention';

export const LOGITS_TO_KEEP = 'logits_to_keep';

/**
 * How the engine feeds the past and reads the present:
 *   heads:    as exported, [1, kvHeads, T, d] in, past + new rows out;
 *   rows:     [1, T, kvHeads, d] prefix view in, new rows [1, s, kvHeads, d] out;
 *   capacity: the whole [1, kvHeads, C, d] buffer in (first T valid), new rows [1, kvHeads, s, d] out.
 */
export type KvOrder = 'heads' | 'rows' | 'capacity';

/** What the rewritten graph expects from the engine. */
export interface GraphFeatures {
  /** 'rows': past inputs are [1, T, kvHeads, headDim] and present outputs hold only the new rows. */
  kvOrder: KvOrder;
  /** Name of the int64 [1] input saying how many trailing positions get logits, when there is one. */
  logitsToKeepInput?: string;
  /** MatMulNBits nodes whose accuracy_level was raised to 4. */
  accuracyLevelRaised: number;
  /** Set when the engine looks up token embeddings itself (see embeddingRewrite.ts). */
  embedding?: EmbeddingSpec;
  /** As exported only: several new tokens on a past must run one at a time (exportedGraph.ts). */
  oneTokenAfterPast?: boolean;
  /** The attention that now reads the cache in place (what the export had), when it was replaced. */
  attention?: string;
  /** Parts that were left as exported, and why. */
  skipped: string[];
}

export interface RewriteOptions {
  /** File name, next to the rewritten graph, that an inline embedding table is moved to. */
  inlineEmbeddingFile: string;
  /**
   * Raise MatMulNBits to accuracy_level 4 (default true). Off only where the rewritten graph must
   * compute exactly what the export does, e.g. to compare logits: int8 activations move them a little.
   */
  raiseAccuracyLevel?: boolean;
}

export interface RewriteResult {
  features: GraphFeatures;
  /** The bytes of an inline embedding table, to be written to `features.embedding.file`. */
  inlineEmbedding?: Uint8Array;
}

/** The graph as exported: nothing rewritten. */
export const AS_EXPORTED: GraphFeatures = { kvOrder: 'heads', accuracyLevelRaised: 0, skipped: [] };

const PAST = /^past_key_values\.(\d+)\.(key|value)$/;
/** Slice clamps ends; the largest exactly representable integer avoids 64-bit encoding questions. */
const END = Number.MAX_SAFE_INTEGER;
const MIN_OPSET = 13;
const PREFIX = 'r1_rewrite';

type Graph = onnx.IGraphProto;

const TO_ROWS = [0, 2, 1, 3];

/** Swaps dims 1 and 2 of a value's declared 4-D shape ([b, heads, T, d] ⇄ [b, T, heads, d]); renames a symbolic T. */
function swapDeclaredShape(info: onnx.IValueInfoProto, sequenceName: string): void {
  const dims = info.type?.tensorType?.shape?.dim;
  if (!dims || dims.length !== 4) return;
  const heads = dims[1];
  dims[1] = { dimParam: sequenceName };
  dims[2] = heads;
}

function renameDim(info: onnx.IValueInfoProto, index: number, name: string): void {
  const dims = info.type?.tensorType?.shape?.dim;
  if (dims && dims.length > index) dims[index] = { dimParam: name };
}

function defaultOpset(model: onnx.IModelProto): number {
  const entry = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  return entry ? Number(entry.version) : 0;
}

function raiseAccuracyLevel(graph: Graph): number {
  let raised = 0;
  const visit = (g: Graph) => {
    for (const n of g.node ?? []) {
      if (n.opType === 'MatMulNBits' && n.domain === 'com.microsoft') {
        n.attribute ??= [];
        const attr = n.attribute.find((a) => a.name === 'accuracy_level');
        if (!attr) {
          n.attribute.push({ name: 'accuracy_level', type: onnx.AttributeProto.AttributeType.INT, i: 4 });
          raised++;
        } else if (Number(attr.i) !== 4) {
          attr.i = 4;
          raised++;
        }
      }
      for (const a of n.attribute ?? []) {
        if (a.g) visit(a.g);
        for (const sub of a.graphs ?? []) visit(sub);
      }
    }
  };
  visit(graph);
  return raised;
}

const PASS_THROUGH = new Set(['Add', 'Sub', 'Mul', 'Div', 'Cast', 'Identity']);
const PROJECTIONS = new Set(['MatMul', 'MatMulNBits', 'Gemm', 'FusedMatMul']);

/** Slices the lm_head's input to the last `logits_to_keep` positions. Returns an error text when the head was not found. */
function keepLastLogits(ed: GraphEditor): string | undefined {
  const g = ed.graph;
  const logitsOut = g.output!.find((o) => o.name === 'logits');
  if (!logitsOut) return 'no logits output';
  let value = 'logits';
  for (let hops = 0; hops < 8; hops++) {
    const idx = ed.producerIndex(value);
    if (idx < 0) return 'logits are not computed by a node';
    const node = g.node![idx];
    if (PROJECTIONS.has(node.opType ?? '')) {
      const x = node.input![0];
      const neg = ed.fresh('neg_keep');
      const sliced = ed.fresh('last_positions');
      ed.insertAt(idx, [
        ed.node('Neg', [LOGITS_TO_KEEP], neg),
        ed.node('Slice', [x, neg, ed.int64Constant('end', [END]), ed.int64Constant('axis1', [1])], sliced),
      ]);
      node.input![0] = sliced;
      g.input!.push({
        name: LOGITS_TO_KEEP,
        type: { tensorType: { elemType: onnx.TensorProto.DataType.INT64, shape: { dim: [{ dimValue: 1 }] } } },
      });
      const dims = logitsOut.type?.tensorType?.shape?.dim;
      if (dims && dims.length === 3) dims[1] = { dimParam: LOGITS_TO_KEEP };
      return undefined;
    }
    if (!PASS_THROUGH.has(node.opType ?? '')) return `logits come from ${node.opType}, not a projection`;
    const dynamic = (node.input ?? []).filter((x) => x && !ed.isInitializer(x));
    if (dynamic.length !== 1) return `logits come from ${node.opType} of ${dynamic.length} computed inputs`;
    value = dynamic[0];
  }
  return 'no projection found within 8 nodes of the logits';
}

/** The present's new rows in [b, s, heads, d]: Concat(past, new) gives them directly, anything else is sliced after the past. */
function rewriteLayerKv(ed: GraphEditor, pastName: string, presentName: string): string | undefined {
  const g = ed.graph;
  const pastInfo = g.input!.find((i) => i.name === pastName);
  const presentInfo = g.output!.find((o) => o.name === presentName);
  const producerIdx = ed.producerIndex(presentName);
  if (!pastInfo || !presentInfo || producerIdx < 0) return `${presentName}: not produced by a node`;

  // Past: the graph input now holds rows; a Transpose restores the exported layout for its readers.
  const pastHeads = `${PREFIX}/${pastName}/heads`;
  renameUses(g, pastName, pastHeads);
  swapDeclaredShape(pastInfo, 'past_sequence_length');
  ed.insertAt(0, [ed.node('Transpose', [pastName], pastHeads, [intsAttr('perm', TO_ROWS)])]);

  // Present: the producer's full output becomes internal; the graph output is the new rows only.
  const producer = g.node![ed.producerIndex(presentName)];
  const fullPresent = `${PREFIX}/${presentName}/full`;
  producer.output = producer.output!.map((o) => (o === presentName ? fullPresent : o));
  renameUses(g, presentName, fullPresent);
  swapDeclaredShape(presentInfo, 'sequence_length');

  const concatAxis = producer.opType === 'Concat' ? Number((producer.attribute ?? []).find((a) => a.name === 'axis')?.i ?? NaN) : NaN;
  const directRows = producer.opType === 'Concat' && producer.input!.length === 2 && (concatAxis === 2 || concatAxis === -2) && derivesOnlyFrom(ed, producer.input![0], pastHeads);
  const at = ed.producerIndex(fullPresent) + 1;
  if (directRows) {
    ed.insertAt(at, [ed.node('Transpose', [producer.input![1]], presentName, [intsAttr('perm', TO_ROWS)])]);
    // Nothing else reads the concatenation (e.g. the attention read a separate path): drop it.
    if (ed.consumers(fullPresent).length === 0) g.node!.splice(ed.producerIndex(fullPresent), 1);
  } else {
    const pastLen = ed.fresh('past_len');
    const shape = ed.fresh('past_shape');
    const newRows = ed.fresh('new_rows');
    ed.insertAt(at, [
      ed.node('Shape', [pastName], shape),
      ed.node('Slice', [shape, ed.int64Constant('one', [1]), ed.int64Constant('two', [2]), ed.int64Constant('axis0', [0])], pastLen),
      ed.node('Slice', [fullPresent, pastLen, ed.int64Constant('end', [END]), ed.int64Constant('axis2', [2])], newRows),
      ed.node('Transpose', [newRows], presentName, [intsAttr('perm', TO_ROWS)]),
    ]);
  }
  return undefined;
}

/**
 * Standard attention (Optimum exports): each past is read only by the Concat that makes its present,
 * and positions come from position_ids, so the past can be a whole capacity buffer whose unused
 * slots attention_mask zeros out, exactly like padding. Returns why not, or undefined.
 */
function capacityBlocker(ed: GraphEditor, pairs: readonly (readonly [string, string])[]): string | undefined {
  if (!ed.graph.input!.some((i) => i.name === 'position_ids')) return 'no position_ids input';
  for (const [past, present] of pairs) {
    const readers = ed.consumers(past);
    const concat = readers[0];
    if (readers.length !== 1 || concat.opType !== 'Concat' || concat.input!.length !== 2 || concat.input![0] !== past) return `${past} is not only concatenated`;
    const axis = Number((concat.attribute ?? []).find((a) => a.name === 'axis')?.i ?? NaN);
    if (axis !== 2 && axis !== -2) return `${past} is concatenated along axis ${axis}`;
    if (!(concat.output ?? []).includes(present)) return `${present} is not that concatenation`;
  }
  return undefined;
}

/** The present becomes the Concat's second input (the new rows); the concatenation stays internal. */
function rewriteLayerCapacity(ed: GraphEditor, past: string, present: string): void {
  const g = ed.graph;
  const idx = ed.producerIndex(present);
  const concat = g.node![idx];
  const full = `${PREFIX}/${present}/full`;
  concat.output = concat.output!.map((o) => (o === present ? full : o));
  renameUses(g, present, full);
  ed.insertAt(idx + 1, [ed.node('Identity', [concat.input![1]], present)]);
  renameDim(g.input!.find((i) => i.name === past)!, 2, 'capacity');
  renameDim(g.output!.find((o) => o.name === present)!, 2, 'sequence_length');
}

/** True when `value` is `source` itself or a Cast of it (the float16 export casts the past). */
function derivesOnlyFrom(ed: GraphEditor, value: string, source: string): boolean {
  if (value === source) return true;
  const idx = ed.producerIndex(value);
  const node = idx >= 0 ? ed.graph.node![idx] : undefined;
  return node?.opType === 'Cast' && node.input?.[0] === source;
}

/** Rewrites `model` in place; returns what the engine must do to drive it. */
export function rewriteDecoderGraph(model: onnx.IModelProto, options: RewriteOptions): RewriteResult {
  const graph = model.graph;
  if (!graph) throw new Error('The ONNX model has no graph.');
  const ed = new GraphEditor(graph);
  const skipped: string[] = [];
  const detached = detachEmbedding(ed, options.inlineEmbeddingFile);
  if ('skipped' in detached) skipped.push(`embedding lookup left in the graph (${detached.skipped})`);
  const features = rewriteAttentionAndLogits(model, ed, skipped, options.raiseAccuracyLevel !== false);
  if ('skipped' in detached) return { features };
  return { features: { ...features, embedding: detached.spec }, inlineEmbedding: detached.inlineBytes };
}

function rewriteAttentionAndLogits(model: onnx.IModelProto, ed: GraphEditor, skipped: string[], raiseLevel: boolean): GraphFeatures {
  const graph = ed.graph;
  const accuracyLevelRaised = raiseLevel ? raiseAccuracyLevel(graph) : 0;
  const opset = defaultOpset(model);
  if (opset < MIN_OPSET) {
    skipped.push(`opset ${opset} is older than ${MIN_OPSET}: KV layout and logits left as exported`);
    return { kvOrder: 'heads', accuracyLevelRaised, skipped };
  }
  if (graph.input!.some((i) => i.name === LOGITS_TO_KEEP)) {
    skipped.push(`the model already has an input named ${LOGITS_TO_KEEP}: logits left as exported`);
  } else {
    const why = keepLastLogits(ed);
    if (why) skipped.push(`logits for every position kept (${why})`);
  }
  const hasKeep = graph.input!.some((i) => i.name === LOGITS_TO_KEEP);

  const pasts = graph.input!.map((i) => i.name ?? '').filter((n) => PAST.test(n));
  const pairs = pasts.map((p) => [p, p.replace(/^past_key_values\./, 'present.')] as const);
  const complete = pairs.length > 0 && pairs.every(([p, q]) => graph.output!.some((o) => o.name === q) && ed.producerIndex(q) >= 0 && graph.input!.some((i) => i.name === p));
  if (!complete) {
    skipped.push('past/present pairs incomplete: KV layout left as exported');
    return { kvOrder: 'heads', logitsToKeepInput: hasKeep ? LOGITS_TO_KEEP : undefined, accuracyLevelRaised, skipped };
  }
  const inPlace = rewriteAttentionInPlace(graph);
  if (!('blocker' in inPlace)) {
    Object.assign(graph, inPlace.graph);
    return { kvOrder: 'capacity', attention: inPlace.kind, logitsToKeepInput: hasKeep ? LOGITS_TO_KEEP : undefined, accuracyLevelRaised, skipped };
  }
  skipped.push(`attention kept as exported (${inPlace.blocker})`);
  const notCapacity = capacityBlocker(ed, pairs);
  if (!notCapacity) {
    for (const [past, present] of pairs) rewriteLayerCapacity(ed, past, present);
    return { kvOrder: 'capacity', logitsToKeepInput: hasKeep ? LOGITS_TO_KEEP : undefined, accuracyLevelRaised, skipped };
  }
  skipped.push(`past fed as rows through a transpose (${notCapacity})`);
  for (const [past, present] of pairs) {
    const why = rewriteLayerKv(ed, past, present);
    if (why) throw new Error(`KV rewrite failed half-way: ${why}`);
  }
  return { kvOrder: 'rows', logitsToKeepInput: hasKeep ? LOGITS_TO_KEEP : undefined, accuracyLevelRaised, skipped };
}
