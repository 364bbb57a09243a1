#!/usr/bin/env node
/** The `dogo` command: a table of subcommands, each in commands/. */
import { infoCommand } from './commands/info.js';
import { trainCommand } from './commands/train.js';
import { evalCommand } from './commands/eval.js';
import { exportCommand } from './commands/export.js';
import { studyCommand } from './commands/study.js';
import { describeSystemError } from './fs_errors.js';

const COMMANDS: Record<string, { summary: string; run: (args: string[]) => Promise<number> }> = {
  train: { summary: 'DoGo pre-training (dogo train --help)', run: (a) => trainCommand(a) },
  study: { summary: 'DoGo versus each model alone over seeds, every evaluation, one report (--preset quick|decide|full; --render DIR)', run: (a) => studyCommand(a) },
  eval: { summary: 'kNN, linear and few-label accuracy of a run folder\'s checkpoint', run: (a) => evalCommand(a) },
  export: { summary: 'an encoder of a run as safetensors for PyTorch, or as ONNX (dogo export --help)', run: (a) => exportCommand(a) },
  serve: { summary: 'an HTTP service for embeddings and kNN labels of posted images (dogo serve --help)', run: async (a) => (await import('./commands/serve.js')).serveCommand(a) },
  info: { summary: 'backends, WebAssembly features and WebGPU adapters of this machine', run: () => infoCommand() },
  bench: { summary: 'images/s and GFLOP/s of one DoGo training step (dogo bench --help)', run: async (a) => (await import('./commands/bench.js')).benchCommand(a) },
};

function usage(): string {
  return ['usage: dogo <command> [options]', '', 'commands:', ...Object.entries(COMMANDS).map(([k, c]) => `  ${k.padEnd(10)} ${c.summary}`)].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 2;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    console.error(`dogo: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  return cmd.run(rest);
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
