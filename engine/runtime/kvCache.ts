// The model's past: per layer, the keys and values of every token already run. This is the one
// module that knows how the past is stored; the runner only asks for the next run's feeds, hands
// over a run's outputs, truncates and releases. Three layouts, chosen by the graph being run:
//
// 'rows' (graphs whose attention the rewrite could not replace, see graphRewrite.ts): one growing buffer per layer and
//   key/value in [T, kvHeads, headDim] order. A prefix is contiguous, so the feed is a zero-copy
//   `subarray` view, the run outputs only the new rows (appended here), and truncating is just
//   forgetting the tail. Nothing proportional to the context is copied per step.
// 'heads' (graphs as exported): [1, kvHeads, T, headDim]. onnxruntime-node copies every output
//   into a fresh JS buffer on each run, so present.* already hold past + new rows and appending
//   means adopting them; truncating copies head by head (a prefix is not contiguous).
// 'capacity' (every graph whose attention the rewrite replaced, see inPlaceAttention.ts): one
//   [kvHeads, C, headDim] buffer per layer, fed whole (zero-copy) with attention_mask zeros over
//   positions T..C-1, as for padding; the run outputs the new rows [1, kvHeads, s, headDim],
//   written here at T in each head. C grows in steps of 256.
import * as ort from 'onnxruntime-node';
import type { KvDtype, KvNames } from '../model/ioSignature';
import type { KvOrder } from './graphRewrite';

export interface KvLayout {
  names: readonly KvNames[];
  dtype: KvDtype;
  kvHeads: number;
  headDim: number;
  /** Default 'heads' (the exported layout). */
  order?: KvOrder;
}

/** float16 arrives as Uint16Array (or Float16Array on runtimes that have it); both copy alike. */
type KvArray = Float32Array | Uint16Array;

interface LayerPast {
  key: KvArray;
  value: KvArray;
}

/** First capacity of a rows buffer, in positions; it doubles when full. */
const INITIAL_ROWS = 256;
/** 'capacity' buffers grow by whole steps: the graph reads all C positions, so C stays close to T. */
const CAPACITY_STEP = 256;

function newArray(dtype: KvDtype, length: number): KvArray {
  return dtype === 'float32' ? new Float32Array(length) : new Uint16Array(length);
}

function sameKind(src: KvArray, length: number): KvArray {
  const Ctor = Object.getPrototypeOf(src).constructor as new (n: number) => KvArray;
  return new Ctor(length);
}

export class KvCache {
  private layers: LayerPast[];
  private tokens = 0;
  /** Positions the rows buffers can hold ('rows' order). */
  private capacity = 0;
  private readonly order: KvOrder;
  private readonly rowSize: number;

  constructor(private readonly layout: KvLayout) {
    this.order = layout.order ?? 'heads';
    this.rowSize = layout.kvHeads * layout.headDim;
    this.layers = this.emptyLayers();
  }

  /** Number of positions held. */
  get length(): number {
    return this.tokens;
  }

  /** Positions the last feeds() span: the capacity for 'capacity' (only the first `length` hold tokens), else `length`. */
  get fedLength(): number {
    return this.order === 'capacity' ? this.capacity : this.tokens;
  }

  /** Bytes held by the past, all layers (for 'rows': the buffers' capacity). */
  get byteLength(): number {
    return this.layers.reduce((n, l) => n + l.key.byteLength + l.value.byteLength, 0);
  }

  /** The past_key_values.* feeds for a run of `upcoming` new tokens. Zero-copy views of what is held. */
  feeds(upcoming = 0): Record<string, ort.Tensor> {
    const { kvHeads, headDim, dtype } = this.layout;
    if (this.order === 'capacity') {
      this.reserveCapacity(this.tokens + Math.max(1, upcoming));
      const whole = [1, kvHeads, this.capacity, headDim];
      const out: Record<string, ort.Tensor> = {};
      this.layout.names.forEach((n, i) => {
        out[n.pastKey] = new ort.Tensor(dtype, this.layers[i].key, whole);
        out[n.pastValue] = new ort.Tensor(dtype, this.layers[i].value, whole);
      });
      return out;
    }
    const rows = this.order === 'rows';
    const dims = rows ? [1, this.tokens, kvHeads, headDim] : [1, kvHeads, this.tokens, headDim];
    const used = this.tokens * this.rowSize;
    const out: Record<string, ort.Tensor> = {};
    this.layout.names.forEach((n, i) => {
      const l = this.layers[i];
      out[n.pastKey] = new ort.Tensor(dtype, rows ? l.key.subarray(0, used) : l.key, dims);
      out[n.pastValue] = new ort.Tensor(dtype, rows ? l.value.subarray(0, used) : l.value, dims);
    });
    return out;
  }

  /** Takes in a run's present.* outputs for `newTokens` positions run after the held ones. */
  append(outputs: ort.InferenceSession.ReturnType, newTokens: number): void {
    if (this.order === 'rows') {
      this.appendRows(outputs, newTokens);
      return;
    }
    if (this.order === 'capacity') {
      this.appendCapacity(outputs, newTokens);
      return;
    }
    const expected = this.tokens + newTokens;
    this.layers = this.layout.names.map((n) => ({
      key: this.take(outputs, n.presentKey, [1, this.layout.kvHeads, expected, this.layout.headDim]),
      value: this.take(outputs, n.presentValue, [1, this.layout.kvHeads, expected, this.layout.headDim]),
    }));
    this.tokens = expected;
  }

  /** Keeps only the first `length` positions (rolling back to a shared prefix). */
  truncate(length: number): void {
    if (!Number.isInteger(length) || length < 0 || length > this.tokens) {
      throw new RangeError(`Cannot truncate a KV cache of ${this.tokens} positions to ${length}.`);
    }
    if (length === this.tokens) return;
    if (this.order !== 'heads') {
      // A prefix is contiguous per head (capacity) or overall (rows): the tail is overwritten by the next append.
      this.tokens = length;
      return;
    }
    const { kvHeads, headDim } = this.layout;
    const oldRowsPerHead = this.tokens * headDim;
    const newRowsPerHead = length * headDim;
    const cut = (src: KvArray): KvArray => {
      const dst = sameKind(src, kvHeads * newRowsPerHead);
      for (let h = 0; h < kvHeads; h++) {
        const from = h * oldRowsPerHead;
        dst.set(src.subarray(from, from + newRowsPerHead), h * newRowsPerHead);
      }
      return dst;
    };
    this.layers = this.layers.map((l) => ({ key: cut(l.key), value: cut(l.value) }));
    this.tokens = length;
  }

  /**
   * Makes room for `positions` in one allocation (a long prompt about to be prefilled in chunks):
   * growing chunk by chunk would leave a trail of superseded buffers for the garbage collector.
   */
  reserve(positions: number): void {
    if (this.order === 'capacity') this.reserveCapacity(positions);
    else if (this.order === 'rows') this.reserveRows(positions);
  }

  /** Drops the past; the cache is empty (and reusable) afterwards. */
  release(): void {
    this.layers = this.emptyLayers();
    this.tokens = 0;
    this.capacity = 0;
  }

  private emptyLayers(): LayerPast[] {
    return this.layout.names.map(() => ({ key: newArray(this.layout.dtype, 0), value: newArray(this.layout.dtype, 0) }));
  }

  private appendRows(outputs: ort.InferenceSession.ReturnType, newTokens: number): void {
    const { kvHeads, headDim, names } = this.layout;
    const shape = [1, newTokens, kvHeads, headDim];
    const incoming = names.map((n) => ({ key: this.take(outputs, n.presentKey, shape), value: this.take(outputs, n.presentValue, shape) }));
    this.reserveRows(this.tokens + newTokens);
    const at = this.tokens * this.rowSize;
    incoming.forEach((rows, i) => {
      this.layers[i].key.set(rows.key, at);
      this.layers[i].value.set(rows.value, at);
    });
    this.tokens += newTokens;
  }

  private appendCapacity(outputs: ort.InferenceSession.ReturnType, newTokens: number): void {
    const { kvHeads, headDim, names } = this.layout;
    const shape = [1, kvHeads, newTokens, headDim];
    const incoming = names.map((n) => ({ key: this.take(outputs, n.presentKey, shape), value: this.take(outputs, n.presentValue, shape) }));
    this.reserveCapacity(this.tokens + newTokens);
    const run = newTokens * headDim;
    incoming.forEach((rows, i) => {
      for (let h = 0; h < kvHeads; h++) {
        const at = (h * this.capacity + this.tokens) * headDim;
        this.layers[i].key.set(rows.key.subarray(h * run, (h + 1) * run), at);
        this.layers[i].value.set(rows.value.subarray(h * run, (h + 1) * run), at);
      }
    });
    this.tokens += newTokens;
  }

  /** Grows the capacity buffers to hold `positions` (whole steps), keeping each head's rows. */
  private reserveCapacity(positions: number): void {
    if (positions <= this.capacity) return;
    const next = Math.ceil(positions / CAPACITY_STEP) * CAPACITY_STEP;
    const { kvHeads, headDim } = this.layout;
    const keep = this.tokens * headDim;
    const grow = (src: KvArray): KvArray => {
      const dst = newArray(this.layout.dtype, kvHeads * next * headDim);
      for (let h = 0; h < kvHeads && keep > 0; h++) dst.set(src.subarray(h * this.capacity * headDim, h * this.capacity * headDim + keep), h * next * headDim);
      return dst;
    };
    this.layers = this.layers.map((l) => ({ key: grow(l.key), value: grow(l.value) }));
    this.capacity = next;
  }

  /** Grows the rows buffers (doubling) so they hold `positions`; keeps what is held. */
  private reserveRows(positions: number): void {
    if (positions <= this.capacity) return;
    let next = Math.max(INITIAL_ROWS, this.capacity);
    while (next < positions) next *= 2;
    const used = this.tokens * this.rowSize;
    const grow = (src: KvArray): KvArray => {
      const dst = newArray(this.layout.dtype, next * this.rowSize);
      dst.set(src.subarray(0, used));
      return dst;
    };
    this.layers = this.layers.map((l) => ({ key: grow(l.key), value: grow(l.value) }));
    this.capacity = next;
  }

  private take(outputs: ort.InferenceSession.ReturnType, name: string, expected: number[]): KvArray {
    const t = outputs[name] as ort.Tensor | undefined;
    if (!t) throw new Error(`The model did not return ${name}.`);
    if (t.dims.length !== expected.length || t.dims.some((d, i) => d !== expected[i])) {
      throw new Error(`${name} has shape [${t.dims.join(', ')}], expected [${expected.join(', ')}].`);
    }
    if (t.type !== this.layout.dtype) throw new Error(`${name} is ${t.type}, expected ${this.layout.dtype}.`);
    return t.data as KvArray;
  }
}
