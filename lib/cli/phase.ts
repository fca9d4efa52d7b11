/**
 * The data of the order/chaos phase diagram (Poole et al. 2016; Schoenholz et al. 2017; Pennington
 * et al. 2017 Fig. 1): χ and q* on a grid equally spaced in the variances (σ_w², σ_b²), the critical
 * line χ = 1 parametrised by q* (σ_w² = 1/μ1(q*), σ_b² = q* − σ_w² E[φ(√q* h)²]) and the q* contours,
 * which are straight lines σ_b² = q* − σ_w² E[φ(√q* h)²] in that plane.
 * @module
 */
import type { PhaseCurve, PhaseGrid } from '../plot/index.js';
import { loadActivations, loadMeanField } from './library.js';

/** Result of {@link phaseData}. */
export interface PhaseData {
  readonly activation: string;
  /** Grid points (variances σ_w², σ_b²; the squares of the library's uniform std grid). */
  readonly weightVariance: Float64Array;
  readonly biasVariance: Float64Array;
  /** χ and q* at [j * nw + i] for (weightVariance[i], biasVariance[j]); NaN where no finite fixed point. */
  readonly chi: Float64Array;
  readonly qStar: Float64Array;
  /** The critical line, ordered by q*. */
  readonly criticalLine: { qStar: number; weightStd: number; biasStd: number }[];
  /** q* contours in the (σ_w², σ_b²) plane, clipped to the grid's box. */
  readonly contours: { qStar: number; weightVariance: [number, number]; biasVariance: [number, number] }[];
}

/**
 * Computes the phase diagram data.
 *
 * @param activation - the activation spec (validated by the library).
 * @param weightStd - [from, to] range of σ_w (standard deviations; the grid is equally spaced in σ_w²).
 * @param biasStd - [from, to] range of σ_b.
 * @param resolution - cells per axis.
 * @param contourQ - q* values of the contours.
 */
export async function phaseData(activation: unknown, weightStd: [number, number], biasStd: [number, number], resolution: number, contourQ: readonly number[]): Promise<PhaseData> {
  const { phaseDiagram, criticalLine: line, phiSquaredMoment } = await loadMeanField();
  const { resolveActivation } = await loadActivations();
  const act = resolveActivation(activation, 'activation');
  // The library's grid is uniform in the stds; the picture is drawn over the variances.
  const pd = phaseDiagram({ activation: act, weightStd, biasStd, resolution });
  const weightVariance = Float64Array.from(pd.weightStd, (w) => w * w);
  const biasVariance = Float64Array.from(pd.biasStd, (b) => b * b);
  const { chi, qStar } = pd;
  const [w0, w1] = [weightStd[0] ** 2, weightStd[1] ** 2];
  const [b0, b1] = [biasStd[0] ** 2, biasStd[1] ** 2];
  // The critical line on a log grid of q*; relu/linear give one point (their line is degenerate).
  const criticalLine: { qStar: number; weightStd: number; biasStd: number }[] = [];
  const qs = [...Array.from({ length: 121 }, (_, k) => 10 ** (-3 + (k * 4) / 120)), ...contourQ].sort((a, b) => a - b);
  const cl = line({ activation: act, qStar: qs });
  for (let k = 0; k < qs.length; k++) {
    // Where σ_b² would be negative there is no critical point: not part of the line.
    if (cl.exists[k]) criticalLine.push({ qStar: cl.qStar[k]!, weightStd: cl.weightStd[k]!, biasStd: cl.biasStd[k]! });
  }
  const contours: PhaseData['contours'] = [];
  for (const q of contourQ) {
    const m = phiSquaredMoment(act, q);
    // σ_b² = q − σ_w² m, clipped to the box [w0, w1] x [b0, b1].
    let wa = w0;
    let wb = w1;
    if (m > 0) {
      wa = Math.max(wa, (q - b1) / m);
      wb = Math.min(wb, (q - b0) / m);
    }
    if (!(wb > wa)) continue;
    contours.push({ qStar: q, weightVariance: [wa, wb], biasVariance: [q - wa * m, q - wb * m] });
  }
  return { activation: act.name, weightVariance, biasVariance, chi, qStar, criticalLine, contours };
}

/** The plot inputs of {@link phaseData}. */
export function phasePlotInputs(p: PhaseData): { grid: PhaseGrid; criticalLine: PhaseCurve; contours: PhaseCurve[] } {
  return {
    grid: { weightVariance: p.weightVariance, biasVariance: p.biasVariance, chi: p.chi },
    criticalLine: { label: 'χ = 1', weightVariance: p.criticalLine.map((c) => c.weightStd ** 2), biasVariance: p.criticalLine.map((c) => c.biasStd ** 2) },
    contours: p.contours.map((c) => ({ label: `q* = ${fmtQ(c.qStar)}`, weightVariance: c.weightVariance, biasVariance: c.biasVariance })),
  };
}

/** q* for labels: fractions 1/2^k as such, else 3 significant digits. */
export function fmtQ(q: number): string {
  const inv = 1 / q;
  if (q < 1 && Number.isInteger(inv) && inv <= 1024) return `1/${inv}`;
  return String(Number(q.toPrecision(3)));
}
