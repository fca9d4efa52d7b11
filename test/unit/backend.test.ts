import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import * as api from '../../lib/index.js';
import { ErrorCode, backendInfo, configure, version } from '../../lib/index.js';
import { NativeStatus } from '../../lib/errors.js';
import { hasNative } from '../helpers/backends.js';

describe('backend selection', () => {
  it('reports the active backend, the reason and the version', () => {
    const b = backendInfo();
    expect(['native', 'js']).toContain(b.backend);
    expect(b.reason.length).toBeGreaterThan(0);
    expect(b.version).toBe(version);
    expect(b.node).toBe(process.version);
  });

  it('switches to js and back at run time', () => {
    const before = backendInfo().backend;
    expect(configure({ backend: 'js' }).backend).toBe('js');
    expect(backendInfo().requested).toBe('js');
    configure({ backend: before === 'native' ? 'native' : 'js' });
    expect(backendInfo().backend).toBe(before);
  });

  it.skipIf(!hasNative)('sets the OpenBLAS thread count at run time', () => {
    const prev = backendInfo().threads;
    expect(configure({ threads: 2 }).openblas?.threads).toBe(2);
    expect(configure({ threads: 1 }).openblas?.threads).toBe(1);
    configure({ threads: prev });
  });

  it('rejects unknown options and bad values, naming the parameter', () => {
    expect(() => configure({ backend: 'gpu' as never })).toThrow(/options\.backend must be one of "auto", "native", "js"; received "gpu"/);
    expect(() => configure({ threads: 0 })).toThrow(RangeError);
    expect(() => configure({ threads: 1.5 })).toThrow(/options\.threads must be an integer in \[1, 1024\]; received 1.5/);
    expect(() => configure({ colour: 'red' } as never)).toThrow(/options\.colour/);
  });

});

describe('status codes', () => {
  it('the internal helpers stay out of the public index', () => {
    expect('fromNativeError' in api).toBe(false);
    expect('NativeStatus' in api).toBe(false);
    // Nothing whose name marks it internal (a leading underscore) is public.
    expect(Object.keys(api).filter((k) => k.startsWith('_'))).toEqual([]);
    for (const name of ['ErrorCode', 'DynamicalIsometryTypeError', 'DynamicalIsometryRangeError', 'NumericalError', 'BackendUnavailableError', 'AbortError']) {
      expect(name in api, name).toBe(true);
    }
  });

  it('the TypeScript table mirrors native/core/status.h', () => {
    const header = readFileSync(new URL('../../native/core/status.h', import.meta.url), 'utf8');
    const nums = [...header.matchAll(/k(\w+) = (\d+),/g)].map((m) => Number(m[2]));
    const names = [...header.matchAll(/case StatusCode::k\w+: return "([\w_]+)";/g)].map((m) => m[1]);
    expect(nums).toEqual(Object.keys(NativeStatus).map(Number));
    expect(names).toEqual(Object.values(NativeStatus));
    for (const n of names) if (n !== 'OK') expect(Object.values(ErrorCode)).toContain(n);
  });
});
