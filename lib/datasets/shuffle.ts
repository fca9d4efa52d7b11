/**
 * Seeded Fisher-Yates shuffle shared by the dataset split and the minibatch sampler.
 * @module
 * @internal
 */
import type { Rng } from '../random/rng.js';

/** Fisher-Yates shuffle with a seeded stream: position i swaps with a uniform j in [0, i]. */
export function shuffleInPlace(a: number[] | Int32Array, rng: Rng): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng.nextUniform() * (i + 1));
    const t = a[i] as number;
    a[i] = a[j] as number;
    a[j] = t;
  }
}
