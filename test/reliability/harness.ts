/**
 * Shared machinery of the reliability suite: adversarial values, a generic argument mutator, the
 * contract every call must satisfy (a documented result or a typed error naming the parameter; for
 * the valid base arguments, a result), and the case counter that scripts/reliability/report.mjs
 * collects (DI_RELIABILITY_FIGURES=<file>).
 */
import { appendFileSync } from 'node:fs';

import fc from 'fast-check';

import {
  AbortError,
  BackendUnavailableError,
  DynamicalIsometryRangeError,
  DynamicalIsometryTypeError,
  ErrorCode,
  NumericalError,
} from '../../lib/errors.js';

/** Pinned seed of every property in this folder (a failure prints its path; rerun with it). */
export const FC_SEED = 20171104;

const CODES = new Set<string>(Object.values(ErrorCode));

/** Numbers that break naive code: non-finite, signed zero, extremes, non-integers, 2^k edges. */
export const adversarialNumbers: readonly number[] = [
  NaN, Infinity, -Infinity, -0, 0, -1, 0.5, 2.5, 1e308, -1e308, 5e-324, 1e-300, 2 ** 31, 2 ** 53, 2 ** 64, 3, 1e10,
];

/** Adversarial numbers only (for scalar math helpers documented as taking any number). */
export const adversarialNumber: fc.Arbitrary<unknown> = fc.oneof(fc.constantFrom(...adversarialNumbers), fc.double());

/** Custom activations that misbehave (throw, NaN, infinite, wrong shapes). */
export const badActivations: readonly unknown[] = [
  {
    phi: () => {
      throw new Error('user phi failed');
    },
    dphi: () => 1,
  },
  { phi: () => NaN, dphi: () => NaN },
  { phi: (x: number) => x, dphi: () => Infinity },
  { phi: (x: number) => x, dphi: () => 'one' },
  { phi: 'x' },
  { name: 'tanh', slope: 1 },
  { name: 'leaky-relu', slope: NaN },
  { name: 'nope' },
  'TANH',
  '',
];

/** Any value a caller could pass by mistake. */
export const adversarialValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...adversarialNumbers) },
  {
    weight: 3,
    arbitrary: fc.constantFrom<unknown>(
      null,
      undefined,
      '3',
      '',
      true,
      1n,
      -1n,
      2n ** 70n,
      Symbol('s'),
      {},
      [],
      [NaN],
      [1, 'a'],
      new Float64Array(0),
      Float64Array.of(NaN, 1),
      new Float32Array(3),
      () => 1,
      new Date(0),
      Object.create(null),
    ),
  },
  { weight: 1, arbitrary: fc.constantFrom(...badActivations) },
  { weight: 2, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.integer({ min: -5, max: 10 }) },
);

/** Where a mutation lands: an argument, or a key of an object argument (one level of nesting). */
type Path = readonly (number | string)[];

function paths(args: readonly unknown[]): Path[] {
  const out: Path[] = [];
  args.forEach((a, i) => {
    out.push([i]);
    if (a && typeof a === 'object' && !ArrayBuffer.isView(a) && !Array.isArray(a)) {
      for (const k of Object.keys(a)) {
        out.push([i, k]);
        const v = (a as Record<string, unknown>)[k];
        if (v && typeof v === 'object' && !ArrayBuffer.isView(v) && !Array.isArray(v)) for (const k2 of Object.keys(v)) out.push([i, k, k2]);
      }
    }
  });
  return out;
}

function setPath(args: unknown[], path: Path, value: unknown, op: 'replace' | 'delete' | 'unknownKey'): unknown[] {
  const copy = args.map((a) => (a && typeof a === 'object' && !ArrayBuffer.isView(a) && !Array.isArray(a) ? { ...(a as object) } : a));
  let parent: Record<string | number, unknown> = copy as unknown as Record<number, unknown>;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i] as string | number;
    const child = parent[key];
    const cloned = child && typeof child === 'object' && !ArrayBuffer.isView(child) && !Array.isArray(child) ? { ...(child as object) } : child;
    parent[key] = cloned;
    parent = cloned as Record<string | number, unknown>;
  }
  const last = path[path.length - 1] as string | number;
  if (op === 'replace') parent[last] = value;
  else if (op === 'delete') delete parent[last];
  else {
    const target = parent[last];
    if (target && typeof target === 'object' && !ArrayBuffer.isView(target) && !Array.isArray(target)) {
      parent[last] = { ...(target as object), notAnOption: value };
    } else parent[last] = value;
  }
  return copy;
}

/** One fuzzed call: valid arguments with 0-2 adversarial edits (replace, delete, unknown key). */
export function mutated(valid: fc.Arbitrary<unknown[]>, values?: fc.Arbitrary<unknown>): fc.Arbitrary<{ args: unknown[]; edits: string[] }> {
  // numbers-only fuzzing (scalar helpers) replaces arguments; it neither drops them nor adds keys
  const ops = (values ? ['replace'] : ['replace', 'replace', 'replace', 'delete', 'unknownKey']) as ('replace' | 'delete' | 'unknownKey')[];
  const edit = fc.record({ at: fc.nat(), op: fc.constantFrom(...ops), value: values ?? adversarialValue });
  return fc.tuple(valid, fc.array(edit, { minLength: 0, maxLength: 2 })).map(([args, edits]) => {
    let cur = args;
    const log: string[] = [];
    for (const e of edits) {
      const ps = paths(cur);
      if (ps.length === 0) continue;
      const p = ps[e.at % ps.length] as Path;
      cur = setPath(cur, p, e.value, e.op);
      log.push(`${e.op} ${p.join('.')} = ${show(e.value)}`);
    }
    return { args: cur, edits: log };
  });
}

export function show(v: unknown): string {
  if (typeof v === 'symbol') return v.toString();
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'function') return 'function';
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${(v as unknown as { length: number }).length})`;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
}

/** The typed-error contract: a library error class, a known code, and for argument errors the parameter. */
export function typedErrorProblem(e: unknown): string | null {
  const typed =
    e instanceof DynamicalIsometryTypeError ||
    e instanceof DynamicalIsometryRangeError ||
    e instanceof NumericalError ||
    e instanceof AbortError ||
    e instanceof BackendUnavailableError;
  if (!typed) return `untyped error ${e instanceof Error ? `${e.constructor.name}: ${e.message}` : show(e)}`;
  const err = e as Error & { code?: string; parameter?: string };
  if (!err.code || !CODES.has(err.code)) return `error without a known code (${err.code}): ${err.message}`;
  if (e instanceof DynamicalIsometryTypeError || e instanceof DynamicalIsometryRangeError) {
    if (typeof err.parameter !== 'string' || err.parameter.length === 0) return `argument error without a parameter: ${err.message}`;
    if (!err.message.includes(err.parameter)) return `message does not name the parameter ${err.parameter}: ${err.message}`;
  }
  return null;
}

/** Result paths where a non-finite number is a documented value, not a defect. */
export interface NonFiniteAllowed {
  /** Paths where NaN is documented (e.g. biasStd where no critical point exists). */
  nan?: RegExp;
  /** Paths where +-Infinity is documented. */
  infinity?: RegExp;
}

/**
 * Walks a result: every number finite (NaN and +-Infinity both fail) unless its path matches the
 * documented exemptions, every `density` entry >= 0. Returns the first problem or null.
 */
export function resultProblem(value: unknown, allowed: NonFiniteAllowed = {}, path = 'result', seen = new Set<unknown>()): string | null {
  if (typeof value === 'number') {
    if (Number.isNaN(value) && !allowed.nan?.test(path)) return `NaN at ${path}`;
    if ((value === Infinity || value === -Infinity) && !allowed.infinity?.test(path)) return `${value} at ${path}`;
    if (/density/i.test(path) && value < 0) return `negative density ${value} at ${path}`;
    return null;
  }
  if (value === null || typeof value !== 'object' || seen.has(value)) return null;
  seen.add(value);
  if (value instanceof Float64Array || value instanceof Float32Array || Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const p = resultProblem(value[i], allowed, `${path}[${i}]`, seen);
      if (p) return p;
    }
    return null;
  }
  if (ArrayBuffer.isView(value)) return null;
  for (const [k, v] of Object.entries(value)) {
    const p = resultProblem(v, allowed, `${path}.${k}`, seen);
    if (p) return p;
  }
  return null;
}

/** What {@link contract} checks besides the typed-error contract. */
export interface ContractOptions extends NonFiniteAllowed {
  /**
   * The call got a case's valid base arguments (no adversarial edit): it must return a result. A
   * typed error is then a problem too, so a function that rejects everything cannot pass.
   */
  valid?: boolean;
  /** For valid arguments, the one documented rejection (e.g. an AbortError from a timeout signal). */
  validMayReject?: (e: unknown) => boolean;
}

/** Runs `fn` and reports whether it honoured the contract; a hang is caught by the test timeout. */
export async function contract(fn: () => unknown, options: ContractOptions = {}): Promise<{ ok: boolean; problem: string | null; value?: unknown }> {
  let value: unknown;
  try {
    value = await fn();
  } catch (e) {
    const p = typedErrorProblem(e);
    if (p || !options.valid || options.validMayReject?.(e)) return { ok: false, problem: p };
    return { ok: false, problem: `valid arguments rejected: ${e instanceof Error ? `${e.constructor.name}: ${e.message}` : show(e)}` };
  }
  return { ok: true, problem: resultProblem(value, options), value };
}

/** Counts cases for the report (only when DI_RELIABILITY_FIGURES names a file). */
export function recordFigure(name: string, value: number | string): void {
  const file = process.env.DI_RELIABILITY_FIGURES;
  if (file) appendFileSync(file, `${JSON.stringify({ name, value })}\n`);
}
