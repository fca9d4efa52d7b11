/** The CLI's flag parsing, in-process: numbers, lists, ranges, activation specs, the network spec. */
import { describe, expect, it } from 'vitest';

import { activationFlag, listFlag, outputMode, parseNumber, rangeFlag, scaleFlag, specFromFlags } from '../../lib/cli/flags.js';
import { columnTable, csv, formatNumber, toJson } from '../../lib/cli/format.js';
import { UsageError } from '../../lib/cli/run.js';

describe('flags', () => {
  it('parses decimal numbers and fractions, nothing else', () => {
    expect(parseNumber('q-star', '0.025921')).toBe(0.025921);
    expect(parseNumber('q-star', '1e-3')).toBe(0.001);
    expect(parseNumber('q-star', '1/16')).toBe(0.0625);
    expect(parseNumber('depth', '-3')).toBe(-3); // the library reports the range
    for (const bad of ['', ' ', '0x10', 'Infinity', 'NaN', '1,5', 'abc', '1/0x2']) {
      expect(() => parseNumber('q-star', bad), bad).toThrow(UsageError);
    }
  });

  it('parses lists and ranges strictly', () => {
    expect(listFlag({ at: '0.5, 1,2' }, 'at')).toEqual([0.5, 1, 2]);
    expect(() => listFlag({ at: '0.5,,1' }, 'at')).toThrow('--at must be a comma-separated list of numbers');
    expect(rangeFlag({ 'weight-std': '0.5:2' }, 'weight-std')).toEqual([0.5, 2]);
    expect(() => rangeFlag({ 'weight-std': '2:0.5' }, 'weight-std')).toThrow('FROM < TO');
    expect(() => rangeFlag({ 'weight-std': '2' }, 'weight-std')).toThrow('a range FROM:TO');
  });

  it('reads activations as names, name:key=value, or JSON', () => {
    expect(activationFlag({ activation: 'tanh' })).toBe('tanh');
    expect(activationFlag({ activation: 'leaky-relu:slope=0.2' })).toEqual({ name: 'leaky-relu', slope: 0.2 });
    expect(activationFlag({ activation: '{"name":"elu","alpha":0.5}' })).toEqual({ name: 'elu', alpha: 0.5 });
    expect(() => activationFlag({ activation: '{"name":' })).toThrow('--activation is not valid JSON');
    expect(() => activationFlag({ activation: 'leaky-relu:0.2' })).toThrow('name:key=value');
    expect(() => activationFlag({})).toThrow('--activation is required');
  });

  it('builds the network spec in either form and leaves conflicts to the library', () => {
    const base = { activation: 'tanh', weights: 'orthogonal', depth: '8' };
    expect(specFromFlags({ ...base, 'q-star': '0.5' })).toEqual({ activation: 'tanh', weights: 'orthogonal', depth: 8, qStar: 0.5 });
    expect(specFromFlags({ ...base, 'weight-std': '1.2', 'bias-std': '0.1' })).toEqual({ activation: 'tanh', weights: 'orthogonal', depth: 8, weightStd: 1.2, biasStd: 0.1 });
    expect(specFromFlags({ ...base, 'q-star': '0.5', 'weight-std': '1.2', 'bias-std': '0.1' })).toMatchObject({ qStar: 0.5, weightStd: 1.2, biasStd: 0.1 });
    expect(() => specFromFlags(base)).toThrow('give either --q-star Q');
    expect(() => specFromFlags({ ...base, 'weight-std': '1.2' })).toThrow('--bias-std is required');
  });

  it('output and scale flags', () => {
    expect(outputMode({})).toBe('table');
    expect(outputMode({ csv: true })).toBe('csv');
    expect(() => outputMode({ csv: true, json: true })).toThrow('exclusive');
    expect(scaleFlag({})).toBe('auto');
    expect(() => scaleFlag({ scale: 'x' })).toThrow('--scale must be one of');
  });
});

describe('format', () => {
  it('rounds table numbers to 6 significant digits and keeps full precision in CSV/JSON', () => {
    expect(formatNumber(Math.PI)).toBe('3.14159');
    expect(formatNumber(2.0105e-5)).toBe('2.0105e-5');
    expect(formatNumber(123456789)).toBe('1.23457e+8');
    expect(formatNumber(NaN)).toBe('NaN');
    expect(csv(['a', 'b'], [[Math.PI, 'x,y'], [Infinity, null]])).toBe(`a,b\n${Math.PI},"x,y"\n,`);
    expect(JSON.parse(toJson({ v: Float64Array.of(0.1, NaN), n: 10n }))).toEqual({ v: [0.1, null], n: 10 });
    expect(columnTable(['k', 'v'], [['a', 1], ['bb', 22.5]]).split('\n')).toEqual(['k      v', '--  ----', 'a      1', 'bb  22.5']);
  });
});
