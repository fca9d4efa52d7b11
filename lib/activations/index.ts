/**
 * Activations (nonlinearities) phi and their derivatives phi', built in or user-defined, in the form
 * that the mean-field theory (Pennington, Schoenholz & Ganguli 2017, eqs. 4-5), the law of D^2 and
 * the sampled networks all consume.
 *
 * Built-ins: `linear`, `relu`, `leaky-relu` (param `slope`, default 0.01), `hard-tanh`, `tanh`, `erf`
 * (the PLAIN erf: slope 2/sqrt(pi) at 0), `sigmoid` (logistic), `softplus`, `elu` (param `alpha`,
 * default 1), `selu`, `gelu` (exact, x Phi(x)), `silu`. Each has a native twin (same formulas) in
 * native/core/activations.cc.
 * @module
 */
import { DynamicalIsometryRangeError, DynamicalIsometryTypeError, ErrorCode } from '../errors.js';
import { BUILTINS, type BuiltinDefinition } from './builtins.js';

export { erf, erfc } from './erf.js';

/** A nonlinearity, resolved and ready to evaluate. */
export interface Activation {
  /** Name (built-in name, or the user's `name`, default "custom"). */
  readonly name: string;
  /** Parameter values (e.g. `{ slope: 0.01 }` for leaky-relu; `{}` when none). */
  readonly params: Readonly<Record<string, number>>;
  /** phi(x). */
  phi(x: number): number;
  /** phi'(x). */
  dphi(x: number): number;
  /** Points where phi' jumps or is not smooth (quadrature splits there), sorted ascending. */
  readonly kinks: readonly number[];
  /** phi' is piecewise constant (linear, relu, leaky-relu, hard-tanh): D^2 is a discrete law. */
  readonly piecewiseConstantDerivative: boolean;
  /** A built-in activation (false for user-defined ones). */
  readonly builtin: boolean;
  /** Native id and parameter (`di::ActivationId`), or null for user-defined activations. */
  readonly native: { id: number; param: number } | null;
  /**
   * Analytic continuation of phi' to complex u = re + i im, as [re, im]; present for the smooth
   * built-ins (tanh, erf, sigmoid, softplus, gelu, silu). elu and selu have none: their phi' is only
   * piecewise analytic (a kink in phi'' at 0), so they are treated as kinked (`kinks: [0]`).
   */
  dphiComplex?(re: number, im: number): [number, number];
  /** Built-ins only: the largest q* at which spectralDensity is verified, with why (BuiltinDefinition.spectralQStarMax). */
  readonly spectralQStarMax?: { readonly value: number; readonly why: string };
}

/** What users may pass wherever an activation is expected. */
export type ActivationSpec =
  | string
  | { name: string; [param: string]: unknown }
  | { phi: (x: number) => number; dphi: (x: number) => number; kinks?: number[]; name?: string };

/**
 * Names of the built-in activations, in native-id order (the id is the index: `di::ActivationId`).
 * @example activationNames.includes('tanh'); // true
 */
export const activationNames: readonly string[] = Object.freeze(BUILTINS.map((b) => b.name));

/**
 * A user-defined phi or phi' returned a non-finite value or threw (code `ERR_DI_ACTIVATION`). `x` is
 * where it happened; `q` is the pre-activation variance of the Gaussian expectation being computed,
 * when known; `cause` is what the function threw, if it threw.
 * @example
 * try { meanField({ activation: { phi: () => NaN, dphi: () => 1 }, weightStd: 1, biasStd: 0.1 }); }
 * catch (e) { if (e instanceof ActivationEvaluationError) console.log(e.x, e.q); }
 */
export class ActivationEvaluationError extends DynamicalIsometryRangeError {
  readonly activation: string;
  readonly x: number;
  readonly q: number | undefined;
  readonly received: unknown;
  constructor(activation: string, fn: 'phi' | 'dphi', x: number, received: unknown, q?: number, cause?: unknown) {
    const where = `at x = ${x}${q === undefined ? '' : `, q = ${q}`}`;
    const what = cause !== undefined ? `it threw ${cause instanceof Error ? cause.message : String(cause)}` : where;
    super(
      `activation "${activation}".${fn}(x)`,
      'a finite number for every finite x',
      received,
      ErrorCode.activation,
      cause !== undefined ? `${where}; ${what}` : where,
    );
    this.name = 'ActivationEvaluationError';
    this.activation = activation;
    this.x = x;
    this.q = q;
    this.received = received;
    if (cause !== undefined) (this as { cause?: unknown }).cause = cause;
  }

  /** The same error with the variance q at which it happened. */
  withQ(q: number): ActivationEvaluationError {
    return new ActivationEvaluationError(this.activation, this.parameter.endsWith('.dphi(x)') ? 'dphi' : 'phi', this.x, this.received, q, (this as { cause?: unknown }).cause);
  }
}

/** Activations produced by resolveActivation (passed back in, they are returned as they are). */
const RESOLVED = new WeakSet<object>();
function remember(a: Activation): Activation {
  RESOLVED.add(a);
  return a;
}

function makeBuiltin(def: BuiltinDefinition, p: number): Activation {
  const params: Record<string, number> = def.param ? { [def.param.name]: p } : {};
  const kinks = Object.freeze(def.kinks(p).slice().sort((a, b) => a - b));
  const phiFn = def.phi;
  const dphiFn = def.dphi;
  const complexFn = def.dphiComplex;
  const act: Activation = {
    name: def.name,
    params: Object.freeze(params),
    phi: (x: number) => phiFn(x, p),
    dphi: (x: number) => dphiFn(x, p),
    kinks,
    piecewiseConstantDerivative: def.piecewiseConstantDerivative,
    builtin: true,
    native: Object.freeze({ id: def.nativeId, param: p }),
    ...(complexFn ? { dphiComplex: (re: number, im: number) => complexFn(re, im, p) } : {}),
    ...(def.spectralQStarMax ? { spectralQStarMax: def.spectralQStarMax } : {}),
  };
  return Object.freeze(act);
}

function unknownName(parameterName: string, value: unknown): never {
  throw new DynamicalIsometryTypeError(
    parameterName,
    `a known activation name (${activationNames.join(', ')}), { name, ...params }, or { phi, dphi, kinks? }`,
    value,
    ErrorCode.activation,
  );
}

function resolveNamed(name: string, params: Record<string, unknown>, parameterName: string, original: unknown): Activation {
  const def = BUILTINS.find((b) => b.name === name);
  if (!def) unknownName(`${parameterName}${typeof original === 'string' ? '' : '.name'}`, name);
  let p = 0;
  for (const key of Object.keys(params)) {
    if (!def.param || key !== def.param.name) {
      const known = def.param ? `the parameter of "${name}" (${def.param.name})` : `nothing: "${name}" has no parameters`;
      throw new DynamicalIsometryTypeError(`${parameterName}.${key}`, known, params[key], ErrorCode.unknownOption);
    }
  }
  if (def.param) {
    const v = params[def.param.name];
    if (v === undefined) p = def.param.default;
    else {
      if (typeof v !== 'number') throw new DynamicalIsometryTypeError(`${parameterName}.${def.param.name}`, def.param.expected, v);
      if (!def.param.valid(v)) throw new DynamicalIsometryRangeError(`${parameterName}.${def.param.name}`, def.param.expected, v);
      p = v === 0 ? 0 : v;
    }
  }
  return remember(makeBuiltin(def, p));
}

function resolveCustom(spec: Record<string, unknown>, parameterName: string): Activation {
  for (const key of Object.keys(spec)) {
    if (!['phi', 'dphi', 'kinks', 'name'].includes(key)) {
      throw new DynamicalIsometryTypeError(`${parameterName}.${key}`, 'one of the known options (phi, dphi, kinks, name)', spec[key], ErrorCode.unknownOption);
    }
  }
  const { phi, dphi, kinks, name } = spec;
  if (typeof phi !== 'function') throw new DynamicalIsometryTypeError(`${parameterName}.phi`, 'a function (x: number) => number', phi);
  if (typeof dphi !== 'function') throw new DynamicalIsometryTypeError(`${parameterName}.dphi`, 'a function (x: number) => number', dphi);
  if (name !== undefined && typeof name !== 'string') throw new DynamicalIsometryTypeError(`${parameterName}.name`, 'a string', name);
  let k: number[] = [];
  if (kinks !== undefined) {
    if (!Array.isArray(kinks)) throw new DynamicalIsometryTypeError(`${parameterName}.kinks`, 'an array of finite numbers', kinks);
    k = kinks.map((v: unknown, i: number) => {
      if (typeof v !== 'number') throw new DynamicalIsometryTypeError(`${parameterName}.kinks[${i}]`, 'a finite number', v);
      if (!Number.isFinite(v)) throw new DynamicalIsometryRangeError(`${parameterName}.kinks[${i}]`, 'a finite number', v);
      return v === 0 ? 0 : v;
    });
    k = [...new Set(k)].sort((a, b) => a - b);
  }
  const label = name ?? 'custom';
  const userPhi = phi as (x: number) => unknown;
  const userDphi = dphi as (x: number) => unknown;
  const checked = (fn: (x: number) => unknown, which: 'phi' | 'dphi') => (x: number): number => {
    let v: unknown;
    try {
      v = fn(x);
    } catch (e) {
      throw new ActivationEvaluationError(label, which, x, undefined, undefined, e);
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new ActivationEvaluationError(label, which, x, v);
    return v;
  };
  return Object.freeze({
    name: label,
    params: Object.freeze({}),
    phi: checked(userPhi, 'phi'),
    dphi: checked(userDphi, 'dphi'),
    kinks: Object.freeze(k),
    piecewiseConstantDerivative: false,
    builtin: false,
    native: null,
  });
}

/**
 * Resolves an activation given by name, by `{ name, ...params }`, or as user functions
 * `{ phi, dphi, kinks?, name? }`, after validating it. An already resolved {@link Activation}
 * (from this function) is returned as is.
 *
 * User functions are wrapped: a non-finite result or a throw becomes an
 * {@link ActivationEvaluationError} (code `ERR_DI_ACTIVATION`) naming the activation and x (and the
 * variance q when it happens inside a Gaussian expectation). `kinks` lists the points where phi'
 * jumps; give them, or Gaussian expectations lose accuracy (they converge only algebraically across
 * an undeclared kink).
 *
 * @param spec - a name (see {@link activationNames}), `{ name, slope }` / `{ name, alpha }`, or `{ phi, dphi, kinks?, name? }`.
 * @param parameterName - the parameter name used in error messages (default "activation").
 * @returns a frozen {@link Activation}.
 * @throws DynamicalIsometryTypeError (code ERR_DI_ACTIVATION) for an unknown name, listing the known ones;
 *   ERR_DI_UNKNOWN_OPTION for an unknown parameter; DynamicalIsometryRangeError for an invalid parameter value.
 * @example
 * const a = resolveActivation({ name: 'leaky-relu', slope: 0.2 });
 * a.phi(-1); // -0.2
 */
export function resolveActivation(spec: unknown, parameterName = 'activation'): Activation {
  if (typeof spec === 'string') return resolveNamed(spec, {}, parameterName, spec);
  if (spec !== null && typeof spec === 'object' && !Array.isArray(spec)) {
    if (RESOLVED.has(spec as object)) return spec as Activation;
    const o = spec as Record<string, unknown>;
    if ('phi' in o || 'dphi' in o) return remember(resolveCustom(o, parameterName));
    if (typeof o.name === 'string') {
      const { name, ...params } = o;
      return resolveNamed(name as string, params, parameterName, spec);
    }
    unknownName(`${parameterName}.name`, o.name);
  }
  unknownName(parameterName, spec);
}


/**
 * The built-in activations' one-line formulas, by name (for docs and the CLI).
 * @example activationDescriptions.relu; // 'phi(x) = max(x, 0)'
 */
export const activationDescriptions: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries(BUILTINS.map((b) => [b.name, b.description])),
);

export { evaluateActivation } from './evaluate.js';
