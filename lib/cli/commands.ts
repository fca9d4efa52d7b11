/**
 * The table of CLI commands; each lives in its own file under lib/cli/commands/.
 * @module
 */
import { compareCommand } from './commands/compare.js';
import { criticalCommand } from './commands/critical.js';
import { densityCommand } from './commands/density.js';
import { info } from './commands/info.js';
import { meanFieldCommand } from './commands/mean-field.js';
import { phaseDiagramCommand } from './commands/phase-diagram.js';
import { reproduceCommand } from './commands/reproduce.js';
import { sampleCommand } from './commands/sample.js';
import type { Command } from './run.js';

export const commands: Record<string, Command> = {
  info,
  'mean-field': meanFieldCommand,
  critical: criticalCommand,
  density: densityCommand,
  sample: sampleCommand,
  compare: compareCommand,
  'phase-diagram': phaseDiagramCommand,
  reproduce: reproduceCommand,
};
