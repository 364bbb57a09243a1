/**
 * The `dogo` program: commander's root command with one subcommand per file of commands/. Add a command: write
 * `commands/<name>.ts` exporting a function that returns its Command (flags as a FlagSpec table, description,
 * action), and add it to COMMANDS below. Every command answers `--help` and `-h` alike, and refuses unknown flags.
 */
import { Command } from 'commander';
import { benchCommand } from './commands/bench.js';
import { evalCommand } from './commands/eval.js';
import { exportCommand } from './commands/export.js';
import { infoCommand } from './commands/info.js';
import { serveCommand } from './commands/serve.js';
import { studyCommand } from './commands/study.js';
import { trainCommand } from './commands/train.js';

/** The subcommands, in the order `dogo --help` lists them. */
export const COMMANDS: readonly (() => Command)[] = [trainCommand, studyCommand, evalCommand, exportCommand, serveCommand, infoCommand, benchCommand];

/** The root command with every subcommand; `exitOverride` so callers decide how to end (main.ts, tests). */
export function buildProgram(): Command {
  const program = new Command('dogo')
    .description('Train neural networks on WebGPU and WebAssembly; DoGo self-supervised mutual distillation.')
    .usage('<command> [options]')
    .helpCommand(true)
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  for (const make of COMMANDS) program.addCommand(make().exitOverride().showHelpAfterError('(add --help for usage)'));
  return program;
}
