#!/usr/bin/env node
/**
 * The `dynamical-isometry` command line. Usage errors exit 2 with the library's message; numerical
 * failures exit 1 with the error code.
 * @module
 */
import { commands } from './commands.js';
import { UsageError, runCommand } from './run.js';

const [name, ...rest] = process.argv.slice(2);

// `dynamical-isometry sample --csv | head`: a closed pipe ends the output, not with a stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

function usage(): string {
  const lines = Object.entries(commands).map(([n, c]) => `  ${n.padEnd(14)} ${c.summary}`);
  return `Usage: dynamical-isometry <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun "dynamical-isometry <command> --help" for a command's options.`;
}

async function main(): Promise<number> {
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`dynamical-isometry: unknown command ${JSON.stringify(name)}\n\n${usage()}\n`);
    return 2;
  }
  return runCommand(command, rest);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof UsageError) {
      process.stderr.write(`dynamical-isometry: ${e.message}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`dynamical-isometry: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
