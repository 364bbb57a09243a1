/** `dogo export RUN_DIR [--model NAME] [--out FILE]`: an encoder as safetensors with PyTorch (torchvision) names. */
import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { encodeSafetensors, type SafeTensor } from '@dogo/nn';
import { NonFiniteStateError, findNonFiniteTensor } from '@dogo/ssl';
import { fsStep } from '../fs_errors.js';
import { buildEncoder } from '../train/models.js';
import { ConfigError } from '../train/train_config.js';
import { readEncoders, readRunConfig, readRunData } from './run_folder.js';
import { addFlags, flagValues, type FlagSpec } from '../cli/flags.js';
import { setExitCode } from '../cli/run_state.js';

/** The flags of `dogo export`. */
const EXPORT_FLAGS = [
  { flags: '--model <name>', type: 'string', help: 'which model of the run (default: the first)' },
  { flags: '--out <file>', type: 'string', help: 'the safetensors file to write (default: RUN_DIR/NAME-encoder.safetensors)' },
] as const satisfies readonly FlagSpec[];

/** `dogo export RUN_DIR`: its flags, help and action. */
export function exportCommand(): Command {
  const cmd = new Command('export').description('an encoder of a run as safetensors with PyTorch (torchvision) names').argument('<run_dir>', 'the --out folder of a dogo train run');
  return addFlags(cmd, EXPORT_FLAGS).action(async (dir: string, opts: Record<string, unknown>) => {
    const v = flagValues(EXPORT_FLAGS, opts);
    setExitCode(await runExport(dir, { model: v['model'] as string | undefined, out: v['out'] as string | undefined }));
  });
}

async function runExport(dir: string, values: { model: string | undefined; out: string | undefined }): Promise<number> {
  const config = readRunConfig(dir);
  const name = values.model ?? config.models[0]!.name;
  const mc = config.models.find((m) => m.name === name);
  if (!mc) throw new ConfigError(`no model "${name}" in ${dir}; models: ${config.models.map((m) => m.name).join(', ')}`);
  const { step, encoders } = readEncoders(dir);
  const weights = encoders[name]!;
  const encoder = buildEncoder(mc, readRunData(dir).imageShape[0]);
  const tensors: Record<string, SafeTensor> = {};
  for (const [n, spec] of encoder.namedParameters()) {
    const w = weights[n];
    if (!w) throw new ConfigError(`checkpoint lacks "${n}" of ${name}`);
    tensors[n] = { dtype: 'F32', shape: [...spec.shape], data: w };
  }
  const bad = findNonFiniteTensor(Object.fromEntries(Object.entries(weights).map(([k, data]) => [k, { data }])));
  if (bad) {
    throw new NonFiniteStateError(`${dir}: the checkpoint at step ${step} holds non-finite weights of ${name} (${bad}); nothing was exported; resume from an earlier checkpoint (--keep-checkpoints, --resume-from) with a lower learning rate`);
  }
  const out = values.out ?? `${dir}/${name}-encoder.safetensors`;
  fsStep('write', out, () => writeFileSync(out, encodeSafetensors(tensors, { source: 'dogo', model: name, arch: mc.arch, step: String(step) })));
  console.log(`wrote ${out}: ${Object.keys(tensors).length} tensors of ${name} (${mc.arch}) at step ${step}`);
  return 0;
}

