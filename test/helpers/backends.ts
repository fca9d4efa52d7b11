/**
 * Runs a test body on every available backend: 'js' always, 'native' when the addon loads (a clean
 * skip otherwise). When DYNAMICAL_ISOMETRY_BACKEND=js is set (CI's second pass), only 'js' runs.
 */
import { afterAll, beforeAll, describe } from 'vitest';

import { configure } from '../../lib/backend/config.js';
import { nativeAvailable } from '../../lib/backend/config.js';

export const hasNative = nativeAvailable() && process.env.DYNAMICAL_ISOMETRY_BACKEND !== 'js';
export const backends = (hasNative ? ['native', 'js'] : ['js']) as ('native' | 'js')[];

/** describe() once per backend, with that backend configured for the block. */
export function describeEachBackend(title: string, body: (backend: 'native' | 'js') => void): void {
  for (const b of ['native', 'js'] as const) {
    const run = b === 'js' || hasNative;
    (run ? describe : describe.skip)(`${title} [${b}]`, () => {
      beforeAll(() => {
        if (run) configure({ backend: b });
      });
      afterAll(() => {
        configure({ backend: hasNative ? 'native' : 'js' });
      });
      body(b);
    });
  }
}
