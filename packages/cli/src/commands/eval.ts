/** `dogo eval RUN_DIR`: kNN, linear and few-label accuracy of every encoder in a run's last checkpoint. */
import { Command } from 'commander';
import { selectBackend } from '../backends.js';
import { loadData } from '../train/datasets.js';
import { buildMember } from '../train/models.js';
import { evaluateEncoders } from '../train/train_run.js';
import { ConfigError } from '../train/train_config.js';
import { readEncoders, readRunConfig } from './run_folder.js';
import { refuseNonFiniteWeights } from './finite_weights.js';
import { addFlags, flagValues, type FlagSpec, type FlagValues } from '../cli/flags.js';
import { setExitCode } from '../cli/run_state.js';

/** The flags of `dogo eval`. */
const EVAL_FLAGS = [
  { flags: '--backend <name>', type: 'string', help: 'auto | wasm | webgpu | reference (default: the run\'s)' },
  { flags: '--data <spec>', type: 'string', help: 'evaluate on other data (default: the run\'s)' },
  { flags: '--linear-epochs <n>', type: 'number', help: 'linear-probe epochs (default: the run\'s; 0: kNN only)' },
] as const satisfies readonly FlagSpec[];

/** `dogo eval RUN_DIR`: its flags, help and action. */
export function evalCommand(): Command {
  const cmd = new Command('eval').description('kNN, linear and few-label accuracy of a run folder\'s checkpoint').argument('<run_dir>', 'the --out folder of a dogo train run');
  return addFlags(cmd, EVAL_FLAGS).action(async (dir: string, opts: Record<string, unknown>) => {
    setExitCode(await runEval(dir, flagValues(EVAL_FLAGS, opts)));
  });
}

async function runEval(dir: string, values: FlagValues): Promise<number> {
  const config = readRunConfig(dir);
  const linearEpochs = values['linearEpochs'];
  if (linearEpochs !== undefined) {
    if (typeof linearEpochs !== 'number' || !Number.isInteger(linearEpochs) || linearEpochs < 0) throw new ConfigError(`--linear-epochs must be an integer >= 0, got "${linearEpochs}"`);
    config.linearEpochs = linearEpochs;
  }
  const data = values['data'] ? await loadData(String(values['data'])) : await loadData(config.data, config.trainSubset);
  const { backend, reason } = await selectBackend(String(values['backend'] ?? config.backend), { threads: config.threads });
  console.log(`backend: ${backend.name} (${reason})`);
  const { step, encoders } = readEncoders(dir);
  for (const [name, weights] of Object.entries(encoders)) refuseNonFiniteWeights(`${dir}: the checkpoint at step ${step} of ${name}`, weights, 'nothing was evaluated');
  const members = config.models.map((m) => buildMember(m, data.train.channels));
  const results = await evaluateEncoders(backend, config, members, async (n) => encoders[n]!, data, true);
  console.log(`checkpoint at step ${step}, ${data.description}`);
  for (const [name, r] of Object.entries(results)) {
    console.log(`${name}: kNN ${(100 * r.knn).toFixed(2)}%${r.linear !== undefined ? `, linear ${(100 * r.linear).toFixed(2)}%, 10% labels ${(100 * r.label10!).toFixed(2)}%, 1% labels ${(100 * r.label1!).toFixed(2)}%` : ''}`);
  }
  return 0;
}
