// Benchmark cases of the mean-field area (format: bench/README.md): calls per second of meanField and
// criticalPoint, and phi/phi' evaluation throughput. Mean field is TypeScript shared by both
// backends (it is cheap), so its 'native' and 'js' variants run the same code: they are listed to
// show that, and the ratio should be ~1. evaluateActivation does differ: di::ApplyActivation (the
// native forward pass) against the TypeScript loop.
import { configure, criticalPoint, evaluateActivation, meanField } from '../../dist/index.js';

const lib = (backend) => () => {
  configure({ backend });
};

const both = (run) => ({
  native: { setup: lib('native'), run },
  js: { setup: lib('js'), run },
});

const calls = (name, run, extra = {}) => ({
  name,
  group: name.split('/')[0],
  reference: 'native',
  perRun: 1,
  unit: 'calls',
  timeMs: 1500,
  iterations: 20,
  variants: both(run),
  ...extra,
});

const N = 1_000_000;

export default [
  // near the critical point of THEORY §2.5 (sigma_w^2 = 1.05): Newton on q* by quadrature, c* = 1
  calls('meanField/tanh-critical', () => meanField({ activation: 'tanh', weightStd: Math.sqrt(1.05), biasStd: Math.sqrt(2.0105e-5) })),
  calls('meanField/relu', () => meanField({ activation: 'relu', weightStd: 1.3, biasStd: 0.1 })),
  calls('meanField/hard-tanh', () => meanField({ activation: 'hard-tanh', weightStd: 1.2, biasStd: 0.2 })),
  calls('meanField/gelu', () => meanField({ activation: 'gelu', weightStd: 1.2, biasStd: 0.1 })),
  // chaotic phase: c* by Newton with the iterated 2-D rule (the expensive path)
  calls('meanField/tanh-chaotic', () => meanField({ activation: 'tanh', weightStd: 2.5, biasStd: 0.1 }), { timeMs: 3000, iterations: 5, quick: false }),
  calls('criticalPoint/tanh', () => criticalPoint({ activation: 'tanh', qStar: 0.5 })),
  calls('criticalPoint/hard-tanh', () => criticalPoint({ activation: 'hard-tanh', qStar: 0.5 })),
  {
    name: `evaluateActivation/tanh-${N / 1e6}M`,
    group: 'evaluateActivation',
    reference: 'native',
    perRun: N,
    unit: 'points',
    timeMs: 1500,
    iterations: 5,
    variants: {
      native: {
        setup: () => {
          configure({ backend: 'native' });
          return Float64Array.from({ length: N }, (_, i) => -5 + (10 * i) / N);
        },
        run: (xs) => evaluateActivation('tanh', xs),
      },
      js: {
        setup: () => {
          configure({ backend: 'js' });
          return Float64Array.from({ length: N }, (_, i) => -5 + (10 * i) / N);
        },
        run: (xs) => evaluateActivation('tanh', xs),
      },
    },
  },
];
