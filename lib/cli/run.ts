/**
 * Shared command plumbing: strict flag parsing (unknown flags are usage errors), --help on every
 * command, and the mapping of library errors to exit codes (2: usage, 1: numerical failure).
 * @module
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

import { AbortError, DynamicalIsometryRangeError, DynamicalIsometryTypeError } from '../errors.js';

/** A bad command line. */
export class UsageError extends Error {
  readonly code = 'ERR_DI_USAGE';
}

export type Flags = Record<string, string | boolean | undefined>;

/** One CLI command. */
export interface Command {
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  run(flags: Flags, io: { out: NodeJS.WritableStream; err: NodeJS.WritableStream }): Promise<void>;
}

/** Parses the flags strictly, runs the command and returns the exit code. */
export async function runCommand(command: Command, argv: string[]): Promise<number> {
  let values: Flags;
  try {
    ({ values } = parseArgs({ args: argv, options: { ...command.options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false }) as { values: Flags });
  } catch (e) {
    process.stderr.write(`dynamical-isometry: ${(e as Error).message}\n\n${command.usage}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${command.usage}\n`);
    return 0;
  }
  try {
    await command.run(values, { out: process.stdout, err: process.stderr });
    return 0;
  } catch (e) {
    if (e instanceof UsageError || e instanceof DynamicalIsometryTypeError || e instanceof DynamicalIsometryRangeError) {
      process.stderr.write(`dynamical-isometry: ${e.message}\n`);
      return 2;
    }
    if (e instanceof AbortError) {
      // Ctrl-C during a long command (sample, compare, reproduce): the conventional 128 + SIGINT.
      process.stderr.write(`dynamical-isometry: ${e.message}\n`);
      return 130;
    }
    const code = (e as { code?: string }).code;
    process.stderr.write(`dynamical-isometry: ${code ? `[${code}] ` : ''}${(e as Error).message ?? String(e)}\n`);
    return 1;
  }
}
