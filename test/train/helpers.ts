/** Small synthetic datasets for fast training tests (seeded; classes are separable Gaussian blobs). */
import { Rng } from '../../lib/random/rng.js';

export function blobs(count: number, inputSize: number, classes: number, seed = 1n): { inputs: Float64Array; labels: number[]; inputSize: number; classes: number } {
  const rng = new Rng(seed);
  const centres = new Float64Array(classes * inputSize);
  rng.fillNormal(centres);
  const inputs = new Float64Array(count * inputSize);
  const labels: number[] = [];
  for (let i = 0; i < count; i++) {
    const c = i % classes;
    labels.push(c);
    for (let j = 0; j < inputSize; j++) inputs[i * inputSize + j] = (centres[c * inputSize + j] as number) + 0.7 * rng.nextNormal();
  }
  return { inputs, labels, inputSize, classes };
}
