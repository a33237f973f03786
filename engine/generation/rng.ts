// Seeded pseudo-random numbers for sampling: same seed, same token sequence. mulberry32 is a tiny
// 32-bit generator with good statistical quality for this use (one draw per generated token).

export interface Rng {
  /** Uniform float in [0, 1). */
  next(): number;
}

/** A deterministic generator for `seed` (any number; only its low 32 bits matter). */
export function createRng(seed: number): Rng {
  if (!Number.isFinite(seed)) throw new RangeError(`RNG seed must be a finite number, got ${seed}`);
  let state = Math.trunc(seed) >>> 0;
  return {
    next(): number {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}

/** A seed for requests that did not ask for one. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 4294967296);
}
