/** `dogo export RUN_DIR [--model NAME] [--out FILE]`: an encoder as safetensors with PyTorch (torchvision) names. */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { encodeSafetensors, type SafeTensor } from '@dogo/nn';
import { NonFiniteStateError, findNonFiniteTensor } from '@dogo/ssl';
import { fsStep } from '../fs_errors.js';
import { buildEncoder } from '../train/models.js';
import { ConfigError } from '../train/train_config.js';
import { readEncoders, readRunConfig, readRunData } from './run_folder.js';

export async function exportCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, strict: true, allowPositionals: true, options: { model: { type: 'string' }, out: { type: 'string' } } });
  const dir = positionals[0];
  if (!dir) throw new ConfigError('usage: dogo export RUN_DIR [--model NAME] [--out FILE]');
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

