// Writes a GGUF (v3) Qwen2 model with random Q4_0 weights and the same dims as an ONNX fixture,
// so llama.cpp can be benchmarked side by side with our engine on identical shapes.
// Only what llama.cpp needs to load a qwen2 model is written; the vocabulary is synthetic.
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export interface Qwen2Dims {
  vocabSize: number;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  intermediateSize: number;
  ropeTheta: number;
  rmsNormEps: number;
  contextLength: number;
}

/** DeepSeek-R1-Distill-Qwen-1.5B. */
export const R1_1P5B_DIMS: Qwen2Dims = {
  vocabSize: 151936,
  hiddenSize: 1536,
  numLayers: 28,
  numHeads: 12,
  numKvHeads: 2,
  headDim: 128,
  intermediateSize: 8960,
  ropeTheta: 10000,
  rmsNormEps: 1e-6,
  contextLength: 131072,
};

const enum ValueType { UINT32 = 4, INT32 = 5, FLOAT32 = 6, STRING = 8, ARRAY = 9, UINT64 = 10 }
const enum GgmlType { F32 = 0, Q4_0 = 2 }
const ALIGNMENT = 32;
const Q4_0_BLOCK = 32;
const Q4_0_BYTES = 18; // f16 scale + 16 bytes of nibbles

type MetaValue =
  | { t: 'u32'; v: number }
  | { t: 'f32'; v: number }
  | { t: 'str'; v: string }
  | { t: 'strs'; v: string[] }
  | { t: 'i32s'; v: Int32Array };

interface TensorSpec {
  name: string;
  /** ggml order: ne[0] is the innermost (contiguous) dimension. */
  ne: number[];
  type: GgmlType;
}

/** Growable little-endian byte buffer for the header. */
class HeaderBuffer {
  private buf = Buffer.alloc(1 << 20);
  private len = 0;
  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
  u32(v: number): void { this.ensure(4); this.buf.writeUInt32LE(v, this.len); this.len += 4; }
  i32(v: number): void { this.ensure(4); this.buf.writeInt32LE(v, this.len); this.len += 4; }
  u64(v: number): void { this.ensure(8); this.buf.writeBigUInt64LE(BigInt(v), this.len); this.len += 8; }
  f32(v: number): void { this.ensure(4); this.buf.writeFloatLE(v, this.len); this.len += 4; }
  str(s: string): void {
    const bytes = Buffer.from(s, 'utf8');
    this.u64(bytes.length);
    this.ensure(bytes.length);
    bytes.copy(this.buf, this.len);
    this.len += bytes.length;
  }
  pad(alignment: number): void {
    const n = (alignment - (this.len % alignment)) % alignment;
    this.ensure(n);
    this.buf.fill(0, this.len, this.len + n);
    this.len += n;
  }
  get length(): number { return this.len; }
  bytes(): Buffer { return this.buf.subarray(0, this.len); }
}

function tensorBytes(t: TensorSpec): number {
  const count = t.ne.reduce((a, b) => a * b, 1);
  if (t.type === GgmlType.F32) return count * 4;
  if (t.ne[0] % Q4_0_BLOCK !== 0) throw new Error(`${t.name}: inner dimension ${t.ne[0]} is not a multiple of ${Q4_0_BLOCK}`);
  return (count / Q4_0_BLOCK) * Q4_0_BYTES;
}

function qwen2Tensors(d: Qwen2Dims): TensorSpec[] {
  const h = d.hiddenSize;
  const kv = d.numKvHeads * d.headDim;
  const q = d.numHeads * d.headDim;
  const tensors: TensorSpec[] = [
    { name: 'token_embd.weight', ne: [h, d.vocabSize], type: GgmlType.Q4_0 },
    { name: 'output_norm.weight', ne: [h], type: GgmlType.F32 },
    { name: 'output.weight', ne: [h, d.vocabSize], type: GgmlType.Q4_0 },
  ];
  for (let i = 0; i < d.numLayers; i++) {
    const b = `blk.${i}`;
    tensors.push(
      { name: `${b}.attn_norm.weight`, ne: [h], type: GgmlType.F32 },
      { name: `${b}.attn_q.weight`, ne: [h, q], type: GgmlType.Q4_0 },
      { name: `${b}.attn_q.bias`, ne: [q], type: GgmlType.F32 },
      { name: `${b}.attn_k.weight`, ne: [h, kv], type: GgmlType.Q4_0 },
      { name: `${b}.attn_k.bias`, ne: [kv], type: GgmlType.F32 },
      { name: `${b}.attn_v.weight`, ne: [h, kv], type: GgmlType.Q4_0 },
      { name: `${b}.attn_v.bias`, ne: [kv], type: GgmlType.F32 },
      { name: `${b}.attn_output.weight`, ne: [q, h], type: GgmlType.Q4_0 },
      { name: `${b}.ffn_norm.weight`, ne: [h], type: GgmlType.F32 },
      { name: `${b}.ffn_gate.weight`, ne: [h, d.intermediateSize], type: GgmlType.Q4_0 },
      { name: `${b}.ffn_up.weight`, ne: [h, d.intermediateSize], type: GgmlType.Q4_0 },
      { name: `${b}.ffn_down.weight`, ne: [d.intermediateSize, h], type: GgmlType.Q4_0 },
    );
  }
  return tensors;
}

/** GPT-2 byte-to-unicode table: the 256 printable stand-ins that byte-level BPE vocabularies use. */
function byteLevelAlphabet(): string[] {
  const printable: number[] = [];
  for (let c = 33; c <= 126; c++) printable.push(c);
  for (let c = 161; c <= 172; c++) printable.push(c);
  for (let c = 174; c <= 255; c++) printable.push(c);
  const table: string[] = new Array(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    table[b] = printable.includes(b) ? String.fromCharCode(b) : String.fromCharCode(256 + extra++);
  }
  return table;
}

/** A synthetic vocabulary of the right size: 256 byte tokens, a few merges, filler tokens, R1's specials at R1's ids. */
function syntheticVocabulary(vocabSize: number): { tokens: string[]; types: Int32Array; merges: string[]; bos: number; eos: number } {
  const alphabet = byteLevelAlphabet();
  const tokens: string[] = [...alphabet];
  const merges: string[] = [];
  const space = alphabet[32];
  for (const word of ['t', 'a', 'i', 'f', 'r', 'c']) {
    merges.push(`${space} ${word}`);
    tokens.push(space + word);
  }
  const specials: Record<number, string> = {
    151643: '<｜end▁of▁sentence｜>',
    151644: '<｜User｜>',
    151645: '<｜Assistant｜>',
    151646: '<｜begin▁of▁sentence｜>',
    151647: '<|EOT|>',
    151648: '<think>',
    151649: '</think>',
  };
  const types = new Int32Array(vocabSize).fill(1); // 1 = normal
  while (tokens.length < vocabSize) {
    const id = tokens.length;
    if (specials[id] !== undefined) {
      tokens.push(specials[id]);
      types[id] = 3; // control
    } else {
      tokens.push(`<filler_${id}>`);
      types[id] = 4; // user defined: never produced by the BPE merges
    }
  }
  const bos = vocabSize > 151646 ? 151646 : 0;
  const eos = vocabSize > 151643 ? 151643 : 1;
  return { tokens, types, merges, bos, eos };
}

function writeMeta(h: HeaderBuffer, key: string, value: MetaValue): void {
  h.str(key);
  switch (value.t) {
    case 'u32': h.u32(ValueType.UINT32); h.u32(value.v); break;
    case 'f32': h.u32(ValueType.FLOAT32); h.f32(value.v); break;
    case 'str': h.u32(ValueType.STRING); h.str(value.v); break;
    case 'strs':
      h.u32(ValueType.ARRAY); h.u32(ValueType.STRING); h.u64(value.v.length);
      for (const s of value.v) h.str(s);
      break;
    case 'i32s':
      h.u32(ValueType.ARRAY); h.u32(ValueType.INT32); h.u64(value.v.length);
      for (const v of value.v) h.i32(v);
      break;
  }
}

/** Small, fast, seeded PRNG (xorshift32) filling bytes: weights only need to be random, not good random. */
class ByteNoise {
  constructor(private state: number) { if (this.state === 0) this.state = 0x9e3779b9; }
  fill(buf: Buffer): void {
    let x = this.state;
    for (let i = 0; i + 4 <= buf.length; i += 4) {
      x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
      buf.writeUInt32LE(x >>> 0, i);
    }
    this.state = x;
  }
}

async function write(stream: WriteStream, chunk: Buffer): Promise<void> {
  if (!stream.write(chunk)) await new Promise<void>((resolve) => stream.once('drain', resolve));
}

/**
 * Fills a Q4_0 tensor: random nibbles, and a fixed small scale so activations stay finite through
 * 28 layers (random data must not overflow into NaN, or llama.cpp's sampling path changes).
 */
function fillQ4_0(buf: Buffer, noise: ByteNoise, scale: number): void {
  noise.fill(buf);
  const scaleBits = f16Bits(scale);
  for (let off = 0; off + Q4_0_BYTES <= buf.length; off += Q4_0_BYTES) buf.writeUInt16LE(scaleBits, off);
}

function f16Bits(value: number): number {
  const f = new Float32Array([value]);
  const u = new Uint32Array(f.buffer)[0];
  const sign = (u >>> 16) & 0x8000;
  const exp = ((u >>> 23) & 0xff) - 127 + 15;
  const mant = (u >>> 13) & 0x3ff;
  if (exp <= 0) return sign;
  if (exp >= 31) return sign | 0x7c00;
  return sign | (exp << 10) | mant;
}

export interface GgufWriteResult { path: string; bytes: number; tensors: number }

export async function writeQwen2Gguf(path: string, dims: Qwen2Dims = R1_1P5B_DIMS, seed = 1): Promise<GgufWriteResult> {
  const tensors = qwen2Tensors(dims);
  const vocab = syntheticVocabulary(dims.vocabSize);
  const meta: [string, MetaValue][] = [
    ['general.architecture', { t: 'str', v: 'qwen2' }],
    ['general.name', { t: 'str', v: 'random-weights-qwen2' }],
    ['general.alignment', { t: 'u32', v: ALIGNMENT }],
    ['general.file_type', { t: 'u32', v: 2 }], // MOSTLY_Q4_0
    ['qwen2.context_length', { t: 'u32', v: dims.contextLength }],
    ['qwen2.embedding_length', { t: 'u32', v: dims.hiddenSize }],
    ['qwen2.block_count', { t: 'u32', v: dims.numLayers }],
    ['qwen2.feed_forward_length', { t: 'u32', v: dims.intermediateSize }],
    ['qwen2.attention.head_count', { t: 'u32', v: dims.numHeads }],
    ['qwen2.attention.head_count_kv', { t: 'u32', v: dims.numKvHeads }],
    ['qwen2.rope.freq_base', { t: 'f32', v: dims.ropeTheta }],
    ['qwen2.attention.layer_norm_rms_epsilon', { t: 'f32', v: dims.rmsNormEps }],
    ['tokenizer.ggml.model', { t: 'str', v: 'gpt2' }],
    ['tokenizer.ggml.pre', { t: 'str', v: 'qwen2' }],
    ['tokenizer.ggml.tokens', { t: 'strs', v: vocab.tokens }],
    ['tokenizer.ggml.token_type', { t: 'i32s', v: vocab.types }],
    ['tokenizer.ggml.merges', { t: 'strs', v: vocab.merges }],
    ['tokenizer.ggml.bos_token_id', { t: 'u32', v: vocab.bos }],
    ['tokenizer.ggml.eos_token_id', { t: 'u32', v: vocab.eos }],
  ];

  const header = new HeaderBuffer();
  header.u32(0x46554747); // "GGUF"
  header.u32(3);
  header.u64(tensors.length);
  header.u64(meta.length);
  for (const [key, value] of meta) writeMeta(header, key, value);
  let offset = 0;
  const offsets: number[] = [];
  for (const t of tensors) {
    header.str(t.name);
    header.u32(t.ne.length);
    for (const n of t.ne) header.u64(n);
    header.u32(t.type);
    header.u64(offset);
    offsets.push(offset);
    offset += tensorBytes(t);
    offset += (ALIGNMENT - (offset % ALIGNMENT)) % ALIGNMENT;
  }
  header.pad(ALIGNMENT);

  mkdirSync(dirname(path), { recursive: true });
  const stream = createWriteStream(path);
  const done = new Promise<void>((resolve, reject) => { stream.on('finish', resolve); stream.on('error', reject); });
  await write(stream, header.bytes());
  const noise = new ByteNoise(seed * 2654435761);
  let written = 0;
  const weightScale = 0.02 / 8 / Math.sqrt(dims.hiddenSize / 1536); // |w| <= 0.02 after (q - 8) * d
  for (let i = 0; i < tensors.length; i++) {
    const t = tensors[i];
    if (offsets[i] !== written) throw new Error('internal: tensor offset drift');
    const size = tensorBytes(t);
    if (t.type === GgmlType.F32) {
      const values = new Float32Array(size / 4);
      const isBias = t.name.endsWith('.bias');
      values.fill(isBias ? 0 : 1); // norms are identity, biases zero: stable activations
      await write(stream, Buffer.from(values.buffer));
    } else {
      // Stream large tensors in chunks of whole blocks to keep memory flat.
      const chunkBlocks = 1 << 16;
      let remaining = size;
      while (remaining > 0) {
        const n = Math.min(remaining, chunkBlocks * Q4_0_BYTES);
        const chunk = Buffer.allocUnsafe(n);
        fillQ4_0(chunk, noise, weightScale);
        await write(stream, chunk);
        remaining -= n;
      }
    }
    written += size;
    const pad = (ALIGNMENT - (written % ALIGNMENT)) % ALIGNMENT;
    if (pad > 0) { await write(stream, Buffer.alloc(pad)); written += pad; }
  }
  stream.end();
  await done;
  return { path, bytes: header.length + written, tensors: tensors.length };
}
