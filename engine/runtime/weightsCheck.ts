// Does a session on a saved copy of the weights compute what the session that saved it computes?
// Both run the same short probe (a prompt, then one token on its past) and their logits are
// compared; non-finite logits always fail. Used once per saved copy (prepackedWeights.ts).
import type { ModelRunner } from './modelRunner';

const PROBE = [1, 2, 3];
const NEXT = 4;

async function probe(runner: ModelRunner): Promise<Float32Array[]> {
  const vocab = runner.dims.vocabSize;
  const cache = runner.newCache();
  try {
    const first = await runner.forward(PROBE.map((t) => t % vocab), cache);
    const next = await runner.forward([NEXT % vocab], cache);
    return [first, next];
  } finally {
    cache.release();
  }
}

/** Undefined when `candidate` reproduces `reference` (up to float rounding), else what differs. */
export async function compareRunners(reference: ModelRunner, candidate: ModelRunner): Promise<string | undefined> {
  const want = await probe(reference);
  const got = await probe(candidate);
  for (let step = 0; step < want.length; step++) {
    const [a, b] = [want[step], got[step]];
    let scale = 1;
    for (const x of a) if (Number.isFinite(x)) scale = Math.max(scale, Math.abs(x));
    let worst = 0;
    let nonFinite = 0;
    for (let i = 0; i < a.length; i++) {
      if (!Number.isFinite(b[i])) nonFinite++;
      else worst = Math.max(worst, Math.abs(a[i] - b[i]));
    }
    if (nonFinite > 0) return `${nonFinite} of ${b.length} logits non-finite`;
    if (worst > 1e-3 * scale) return `logits differ by up to ${worst.toPrecision(3)}`;
  }
  return undefined;
}
