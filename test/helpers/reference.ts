/**
 * The reference cases: the shared set beside the repository (../shared/reference/cases.json) when it
 * is there, else the committed copy in test/fixtures/reference/ (see its README).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const shared = path.resolve(import.meta.dirname, '../../../shared/reference/cases.json');
const copy = path.resolve(import.meta.dirname, '../fixtures/reference/cases.json');

/** Path of the reference cases file in use. */
export const referenceCasesPath: string = existsSync(shared) ? shared : copy;

/** The parsed reference cases file (typed by the caller). */
export function loadReferenceCases<T>(): T {
  return JSON.parse(readFileSync(referenceCasesPath, 'utf8')) as T;
}
