// One forward pass of the decoder: feeds new tokens on top of a KV cache and returns the logits of
// the last position. Knows the two export families' inputs (position_ids or not) and their integer
// types; knows nothing about sampling or text.
import * as ort from 'onnxruntime-node';
import type { EmbeddingTable } from './embeddingTable';
import { halfArrayToFloat32 } from './float16';
import { AS_EXPORTED, type GraphFeatures } from './graphRewrite';
import { KvCache } from './kvCache';
import type { IdDtype, ModelIO } from '../model/ioSignature';

export interface RunnerDims {
  kvHeads: number;
  headDim: number;
  vocabSize: number;
  contextLength: number;
}

function intTensor(dtype: IdDtype, values: ArrayLike<number>, dims: number[]): ort.Tensor {
  if (dtype === 'int32') return new ort.Tensor('int32', Int32Array.from(values), dims);
  const data = new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i++) data[i] = BigInt(values[i]);
  return new ort.Tensor('int64', data, dims);
}

/**
 * The attention mask: ones over the fed past and the new tokens, zeros over past slots that hold
 * no token (the unused capacity of a 'capacity' cache, which the model must not attend to).
 */
function maskTensor(dtype: IdDtype, pastSlots: number, validPast: number, n: number): ort.Tensor {
  const length = pastSlots + n;
  if (dtype === 'int32') return new ort.Tensor('int32', new Int32Array(length).fill(1).fill(0, validPast, pastSlots), [1, length]);
  return new ort.Tensor('int64', new BigInt64Array(length).fill(1n).fill(0n, validPast, pastSlots), [1, length]);
}

export class ModelRunner {
  constructor(
    private readonly session: ort.InferenceSession,
    readonly io: ModelIO,
    readonly dims: RunnerDims,
    /** What the load-time rewrite changed (KV order, logits_to_keep); the exported graph by default. */
    readonly features: GraphFeatures = AS_EXPORTED,
    /** The token embeddings, when the rewrite took their lookup out of the graph (features.embedding). */
    private readonly embeddings?: EmbeddingTable,
  ) {
    if (features.embedding && !embeddings) throw new Error('The rewritten graph takes embeddings as input: the runner needs the embedding table.');
  }

  newCache(): KvCache {
    return new KvCache({ names: this.io.kvNames, dtype: this.io.kvDtype, kvHeads: this.dims.kvHeads, headDim: this.dims.headDim, order: this.features.kvOrder });
  }

  /**
   * Runs `tokens` after the `cache.length` positions already in `cache`, appends their keys and
   * values to it, and returns the logits of the last new position (a fresh Float32Array).
   */
  async forward(tokens: readonly number[], cache: KvCache): Promise<Float32Array> {
    return (await this.forwardRows(tokens, cache, 1))[0];
  }

  /**
   * Like forward(), but returns the logits of the last `keep` new positions, in order (row i is
   * what follows tokens[n - keep + i]): a speculative draft is verified from one pass.
   */
  async forwardRows(tokens: readonly number[], cache: KvCache, keep: number): Promise<Float32Array[]> {
    const n = tokens.length;
    if (n === 0) throw new RangeError('forward() needs at least one token.');
    if (!Number.isInteger(keep) || keep < 1 || keep > n) throw new RangeError(`keep must be an integer in 1..${n}, got ${keep}.`);
    const past = cache.length;
    if (past + n > this.dims.contextLength) {
      throw new RangeError(`The sequence would be ${past + n} tokens, longer than the model's context of ${this.dims.contextLength}.`);
    }
    for (const t of tokens) {
      if (!Number.isInteger(t) || t < 0 || t >= this.dims.vocabSize) throw new RangeError(`Token id ${t} is outside the vocabulary (0..${this.dims.vocabSize - 1}).`);
    }
    if (this.features.oneTokenAfterPast && past > 0 && n > 1) return this.oneByOne(tokens, cache, keep);
    const pastFeeds = cache.feeds(n);
    const feeds: Record<string, ort.Tensor> = {
      input_ids: intTensor(this.io.idDtype, tokens, [1, n]),
      attention_mask: maskTensor(this.io.maskDtype, cache.fedLength, past, n),
      ...pastFeeds,
    };
    if (this.io.positionDtype) {
      feeds.position_ids = intTensor(this.io.positionDtype, Array.from({ length: n }, (_, i) => past + i), [1, n]);
    }
    if (this.embeddings) feeds[this.embeddings.spec.input] = this.embeddings.lookup(tokens);
    if (this.features.logitsToKeepInput) feeds[this.features.logitsToKeepInput] = new ort.Tensor('int64', BigInt64Array.of(BigInt(keep)), [1]);
    const outputs = await this.session.run(feeds);
    cache.append(outputs, n);
    return this.lastLogits(outputs.logits as ort.Tensor, n, keep);
  }

  /** Runs tokens one pass each (graphs that cannot take several new tokens on a past), keeping the last `keep` rows. */
  private async oneByOne(tokens: readonly number[], cache: KvCache, keep: number): Promise<Float32Array[]> {
    const rows: Float32Array[] = [];
    for (let i = 0; i < tokens.length; i++) {
      const [row] = await this.forwardRows([tokens[i]], cache, 1);
      if (i >= tokens.length - keep) rows.push(row);
    }
    return rows;
  }

  async release(): Promise<void> {
    this.embeddings?.close();
    await this.session.release();
  }

  private lastLogits(logits: ort.Tensor, n: number, keep: number): Float32Array[] {
    const vocab = logits.dims[logits.dims.length - 1];
    // Exports differ: logits for every position [1, n, V], or for the trailing ones only.
    const rows = logits.dims.length === 3 ? logits.dims[1] : 1;
    if (rows !== n && rows !== keep) throw new Error(`logits has shape [${logits.dims.join(', ')}] for ${n} input tokens (${keep} asked for).`);
    const out: Float32Array[] = [];
    for (let r = rows - keep; r < rows; r++) {
      const start = r * vocab;
      if (logits.type === 'float16') out.push(halfArrayToFloat32((logits.data as Uint16Array).subarray(start, start + vocab)));
      else out.push((logits.data as Float32Array).slice(start, start + vocab));
    }
    return out;
  }
}
