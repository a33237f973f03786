// The model's past: per layer, the keys and values of every token already run, in the exported
// models' [1, kvHeads, T, headDim] layout. This is the one module that knows how the past is stored;
// the generator only appends a step's outputs, asks for the next step's feeds, truncates and releases.
//
// Layout note: onnxruntime-node copies every output into a fresh JS buffer on each run, so the
// present.* tensors already hold past + new rows; appending means adopting them (no extra copy).
// Truncating must copy head by head, because with heads before sequence a prefix is not contiguous.
import * as ort from 'onnxruntime-node';
import type { KvDtype, KvNames } from '../model/ioSignature';

export interface KvLayout {
  names: readonly KvNames[];
  dtype: KvDtype;
  kvHeads: number;
  headDim: number;
}

/** float16 arrives as Uint16Array (or Float16Array on runtimes that have it); both copy alike. */
type KvArray = Float32Array | Uint16Array;

interface LayerPast {
  key: KvArray;
  value: KvArray;
}

function emptyArray(dtype: KvDtype): KvArray {
  return dtype === 'float32' ? new Float32Array(0) : new Uint16Array(0);
}

function sameKind(src: KvArray, length: number): KvArray {
  const Ctor = Object.getPrototypeOf(src).constructor as new (n: number) => KvArray;
  return new Ctor(length);
}

export class KvCache {
  private layers: LayerPast[];
  private tokens = 0;

  constructor(private readonly layout: KvLayout) {
    this.layers = layout.names.map(() => ({ key: emptyArray(layout.dtype), value: emptyArray(layout.dtype) }));
  }

  /** Number of positions held. */
  get length(): number {
    return this.tokens;
  }

  /** Bytes held by the past, all layers. */
  get byteLength(): number {
    return this.layers.reduce((n, l) => n + l.key.byteLength + l.value.byteLength, 0);
  }

  /** The past_key_values.* feeds for the next run. Zero-copy views of what is held. */
  feeds(): Record<string, ort.Tensor> {
    const dims = [1, this.layout.kvHeads, this.tokens, this.layout.headDim];
    const out: Record<string, ort.Tensor> = {};
    this.layout.names.forEach((n, i) => {
      out[n.pastKey] = new ort.Tensor(this.layout.dtype, this.layers[i].key, dims);
      out[n.pastValue] = new ort.Tensor(this.layout.dtype, this.layers[i].value, dims);
    });
    return out;
  }

  /** Takes in a run's present.* outputs, which cover the held past plus `newTokens` rows. */
  append(outputs: ort.InferenceSession.ReturnType, newTokens: number): void {
    const expected = this.tokens + newTokens;
    const next = this.layout.names.map((n) => ({
      key: this.take(outputs, n.presentKey, expected),
      value: this.take(outputs, n.presentValue, expected),
    }));
    this.layers = next;
    this.tokens = expected;
  }

  /** Keeps only the first `length` positions (rolling back to a shared prefix). */
  truncate(length: number): void {
    if (!Number.isInteger(length) || length < 0 || length > this.tokens) {
      throw new RangeError(`Cannot truncate a KV cache of ${this.tokens} positions to ${length}.`);
    }
    if (length === this.tokens) return;
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

  /** Drops the past; the cache is empty (and reusable) afterwards. */
  release(): void {
    this.layers = this.layout.names.map(() => ({ key: emptyArray(this.layout.dtype), value: emptyArray(this.layout.dtype) }));
    this.tokens = 0;
  }

  private take(outputs: ort.InferenceSession.ReturnType, name: string, positions: number): KvArray {
    const t = outputs[name] as ort.Tensor | undefined;
    if (!t) throw new Error(`The model did not return ${name}.`);
    const [b, heads, len, dim] = t.dims;
    if (b !== 1 || heads !== this.layout.kvHeads || len !== positions || dim !== this.layout.headDim) {
      throw new Error(`${name} has shape [${t.dims.join(', ')}], expected [1, ${this.layout.kvHeads}, ${positions}, ${this.layout.headDim}].`);
    }
    if (t.type !== this.layout.dtype) throw new Error(`${name} is ${t.type}, expected ${this.layout.dtype}.`);
    return t.data as KvArray;
  }
}
