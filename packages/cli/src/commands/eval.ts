/** `dogo eval RUN_DIR`: kNN, linear and few-label accuracy of every encoder in a run's last checkpoint. */
import { parseArgs } from 'node:util';
import { selectBackend } from '../backends.js';
import { loadData } from '../train/datasets.js';
import { buildMember } from '../train/models.js';
import { evaluateEncoders } from '../train/train_run.js';
import { ConfigError } from '../train/train_config.js';
import { readEncoders, readRunConfig } from './run_folder.js';

export async function evalCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, strict: true, allowPositionals: true, options: { backend: { type: 'string' }, data: { type: 'string' }, 'linear-epochs': { type: 'string' } } });
  const dir = positionals[0];
  if (!dir) throw new ConfigError('usage: dogo eval RUN_DIR [--backend NAME] [--data SPEC] [--linear-epochs N]');
  const config = readRunConfig(dir);
  if (values['linear-epochs'] !== undefined) config.linearEpochs = Number(values['linear-epochs']);
  const data = values.data ? await loadData(values.data) : await loadData(config.data, config.trainSubset);
  const { backend, reason } = await selectBackend(values.backend ?? config.backend, { threads: config.threads });
  console.log(`backend: ${backend.name} (${reason})`);
  const { step, encoders } = readEncoders(dir);
  const members = config.models.map((m) => buildMember(m, data.train.channels));
  const results = await evaluateEncoders(backend, config, members, async (n) => encoders[n]!, data, true);
  console.log(`checkpoint at step ${step}, ${data.description}`);
  for (const [name, r] of Object.entries(results)) {
    console.log(`${name}: kNN ${(100 * r.knn).toFixed(2)}%${r.linear !== undefined ? `, linear ${(100 * r.linear).toFixed(2)}%, 10% labels ${(100 * r.label10!).toFixed(2)}%, 1% labels ${(100 * r.label1!).toFixed(2)}%` : ''}`);
  }
  return 0;
}
