/** `dynamical-isometry reproduce`: the paper's figures that concern spectra, from the library alone. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { renderSvg, svgToPng } from '../../plot/index.js';
import { reproduceLearningSpeed } from '../../train/learning-speed.js';
import { FIGURE_NAMES, figureCriticalLines, figurePhaseDiagram, figureSigmaMax, figureSpectra, figureTanhSpectra, type Figure } from '../figures.js';
import { listFlag, numberFlag, outputMode, requiredString } from '../flags.js';
import { columnTable, toJson } from '../format.js';
import { progressBar } from '../progress.js';
import { UsageError, type Command } from '../run.js';

/** Fig. 2 defaults: the paper's width N = 1000, one network per depth (the spectra of one network
 * of width 1000 already give 1000 eigenvalues per depth; more samples only tighten the histograms). */
const DEFAULT_WIDTH = 1000;
const DEFAULT_SAMPLES = 1;
const DEFAULT_DEPTHS = [2, 8, 32, 128];

const ORDER = ['phase-diagram', 'spectra', 'sigma-max', 'critical-lines', 'tanh-spectra'];

export const reproduceCommand: Command = {
  summary: "the paper's spectrum figures (phase diagram, spectra, sigma_max, critical lines)",
  usage: `Usage: dynamical-isometry reproduce --figure NAME --out DIR [--width N] [--samples K] [--seed S]
         [--depths L1,L2,...] [--format svg,png] [--quick] [--json]

Regenerates the figures of Pennington, Schoenholz & Ganguli (2017) that concern spectra, from the
library alone, as DIR/<name>.svg and .png plus DIR/<name>.json (the numbers drawn):
  phase-diagram (1)      Fig. 1: chi over (sigma_w^2, sigma_b^2) for tanh, critical line, q* contours
  spectra (2)            Fig. 2: theory vs sampled spectra at criticality: linear/Gaussian,
                         relu/orthogonal, hard-tanh/orthogonal (q* = 1/4), at several depths
  sigma-max (3)          Fig. 3: sigma_max vs depth and vs q*, Gaussian vs orthogonal, relu vs hard-tanh
  critical-lines         the critical lines of tanh, hard-tanh and erf parametrised by q*
  tanh-spectra           tanh at q* = 1/64: Gaussian weights spread, orthogonal weights stay near 1
  learning-speed (4, 5)  Figs. 4-5 at small scale: MNIST training of deep tanh/relu networks,
                         orthogonal vs Gaussian, small vs large q*: learning curves and steps to
                         80% test accuracy beside the theory's spectrum (about 7 min on 2 cores;
                         --quick: about 30 s). Writes learning-speed-curves/-tau (.svg, .png),
                         learning-speed.json and learning-speed.md
  all                    every spectrum figure above (not learning-speed, which trains networks)

Options:
  --figure NAME          a name or number above, or "all"
  --out DIR              output folder (created if missing)
  --width N              width of the sampled networks (spectra, tanh-spectra; default ${DEFAULT_WIDTH}, as in the paper)
  --samples K            sampled networks per depth (default ${DEFAULT_SAMPLES})
  --seed S               seed of the sampled networks (default 0)
  --depths L,...         depths of the spectra figures (default ${DEFAULT_DEPTHS.join(',')})
  --format F             svg, png or svg,png (default svg,png)
  --quick                learning-speed only: a small, fast version of the experiment
  --json                 print the list of files written as JSON
  -h, --help             this help

Example: dynamical-isometry reproduce --figure all --out docs/figures`,
  options: {
    figure: { type: 'string' },
    out: { type: 'string' },
    width: { type: 'string' },
    samples: { type: 'string' },
    seed: { type: 'string' },
    depths: { type: 'string' },
    format: { type: 'string' },
    quick: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run(flags, { out }) {
    const mode = outputMode(flags);
    const name = requiredString(flags, 'figure');
    const dir = requiredString(flags, 'out');
    const wanted = name === 'all' ? ORDER : [FIGURE_NAMES[name]];
    if (wanted[0] === undefined) throw new UsageError(`--figure must be one of ${[...ORDER, 'learning-speed', 'all', '1', '2', '3', '4', '5'].map((n) => JSON.stringify(n)).join(', ')}; received ${JSON.stringify(name)}`);
    const width = numberFlag(flags, 'width') ?? DEFAULT_WIDTH;
    const samples = numberFlag(flags, 'samples') ?? DEFAULT_SAMPLES;
    const seed = numberFlag(flags, 'seed') ?? 0;
    const depths = listFlag(flags, 'depths') ?? DEFAULT_DEPTHS;
    const formats = (typeof flags.format === 'string' ? flags.format : 'svg,png').split(',').map((f) => f.trim());
    if (formats.length === 0 || formats.some((f) => f !== 'svg' && f !== 'png')) throw new UsageError(`--format must be svg, png or svg,png; received ${JSON.stringify(flags.format)}`);
    await mkdir(dir, { recursive: true });
    const written: { figure: string; file: string; description: string; seconds: number }[] = [];
    if (flags.quick && wanted[0] !== 'learning-speed') throw new UsageError('--quick applies to --figure learning-speed only');
    for (const figureName of wanted) {
      const t0 = performance.now();
      const bar = progressBar(process.stderr, figureName!);
      if (figureName === 'learning-speed') {
        // Trains networks: it writes its own files (curves, tau vs q*, JSON and a Markdown table).
        let r;
        try {
          r = await reproduceLearningSpeed({ outDir: dir, quick: flags.quick === true, onProgress: (p) => bar.update(p.run / p.runs, p.label) });
        } finally {
          bar.done();
        }
        const seconds = (performance.now() - t0) / 1000;
        for (const file of r.files) written.push({ figure: figureName, file, description: 'learning curves and steps to a fixed test accuracy vs the predicted spectrum (Figs. 4-5, small scale)', seconds });
        continue;
      }
      const onStep = (done: number, total: number, label: string) => bar.update(done / total, label);
      let fig: Figure;
      try {
        if (figureName === 'phase-diagram') fig = await figurePhaseDiagram();
        else if (figureName === 'spectra') fig = await figureSpectra({ width, samples, seed, depths, onStep });
        else if (figureName === 'sigma-max') fig = await figureSigmaMax(onStep);
        else if (figureName === 'tanh-spectra') fig = await figureTanhSpectra({ width, samples, seed, depths, onStep });
        else fig = await figureCriticalLines();
      } finally {
        bar.done();
      }
      const svg = await renderSvg(fig.chart);
      const seconds = (performance.now() - t0) / 1000;
      const base = join(dir, fig.name);
      if (formats.includes('svg')) {
        await writeFile(`${base}.svg`, svg);
        written.push({ figure: fig.name, file: `${base}.svg`, description: fig.description, seconds });
      }
      if (formats.includes('png')) {
        await writeFile(`${base}.png`, await svgToPng(svg));
        written.push({ figure: fig.name, file: `${base}.png`, description: fig.description, seconds });
      }
      await writeFile(`${base}.json`, `${toJson(fig.data)}\n`);
      written.push({ figure: fig.name, file: `${base}.json`, description: 'the numbers drawn', seconds });
    }
    if (mode === 'json') {
      out.write(`${toJson({ figures: written })}\n`);
      return;
    }
    out.write(`${columnTable(['figure', 'file', 'seconds'], written.map((w, i) => [w.figure, w.file, i > 0 && written[i - 1]!.figure === w.figure ? '' : w.seconds.toFixed(1)]))}\n\n`);
    for (const f of [...new Set(written.map((w) => w.figure))]) out.write(`${f}: ${written.find((w) => w.figure === f && !w.file.endsWith('.json'))?.description ?? ''}\n`);
  },
};
