#!/usr/bin/env node
/** The `dogo` command: commander's program (program.ts) run on the process arguments, with our exit codes. */
import { CommanderError } from 'commander';
import { buildProgram } from './program.js';
import { exitCode, setArgv } from './cli/run_state.js';
import { describeSystemError } from './fs_errors.js';

async function main(argv: string[]): Promise<number> {
  setArgv(argv);
  const program = buildProgram();
  if (argv.length === 0) {
    // No command: the usage, and the exit code of a usage error.
    program.outputHelp();
    return 2;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    // Commander has printed its message (unknown option, missing argument) or the help.
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    throw e;
  }
  return exitCode();
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    // A system error that escaped the commands' own wrapping still gets its path and a hint.
    const err = describeSystemError(e);
    console.error(`dogo: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
