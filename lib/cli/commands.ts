/**
 * The table of CLI commands; each lives in its own file under lib/cli/commands/.
 * @module
 */
import { info } from './commands/info.js';
import type { Command } from './run.js';

export const commands: Record<string, Command> = {
  info,
};
