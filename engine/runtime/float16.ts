// IEEE 754 half → single precision, for models whose logits come back as float16 (Uint16Array).
const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

export function halfToFloat(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) {
    // Zero or subnormal: value = mant · 2^-24.
    const v = mant * 5.960464477539063e-8;
    return sign ? -v : v;
  }
  if (exp === 0x1f) U32[0] = sign | 0x7f800000 | (mant << 13); // Inf / NaN
  else U32[0] = sign | ((exp + 112) << 23) | (mant << 13);
  return F32[0];
}

export function halfArrayToFloat32(src: Uint16Array, out = new Float32Array(src.length)): Float32Array {
  for (let i = 0; i < src.length; i++) out[i] = halfToFloat(src[i]);
  return out;
}
