/** Reading a finished or interrupted run folder: its config.json and the encoders in its checkpoint. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, type TrainConfig } from '../train/train_config.js';
import { validateConfig } from '../train/train_config_schema.js';
import { fsStep } from '../fs_errors.js';
import { loadCheckpoint } from '../train/checkpoint_files.js';

export function readRunConfig(dir: string): TrainConfig {
  const f = path.join(dir, 'config.json');
  if (!existsSync(f)) throw new ConfigError(`${dir} is not a run folder: config.json not found; pass the --out folder of a \`dogo train\` run`);
  let value: unknown;
  try {
    value = JSON.parse(fsStep('read', f, () => readFileSync(f, 'utf8')));
  } catch (e) {
    if (e instanceof SyntaxError) throw new ConfigError(`${f} is not valid JSON (${e.message}); the run folder is damaged`);
    throw e;
  }
  // Folders of runs from before keepCheckpoints existed lack it; everything else must be as written.
  return validateConfig({ keepCheckpoints: 1, ...(value as object) }, f);
}

/** Encoder weights of every model in the run's last checkpoint, under PyTorch names. */
export function readEncoders(dir: string): { step: number; encoders: Record<string, Record<string, Float32Array>> } {
  const { manifest, state } = loadCheckpoint(dir);
  const encoders: Record<string, Record<string, Float32Array>> = {};
  for (const [name, t] of Object.entries(state)) {
    const m = /^([^.]+)\.encoder\.(.+)$/.exec(name);
    if (!m || name.includes('#')) continue;
    (encoders[m[1]!] ??= {})[m[2]!] = Float32Array.from(t.data);
  }
  return { step: manifest.step, encoders };
}

/** What the run trained on: image shape and class names (run.json). */
export function readRunData(dir: string): { imageShape: [number, number, number]; classes: string[] } {
  const f = path.join(dir, 'run.json');
  if (!existsSync(f)) throw new ConfigError(`${dir}: run.json not found; the run folder is incomplete`);
  return JSON.parse(fsStep('read', f, () => readFileSync(f, 'utf8'))) as { imageShape: [number, number, number]; classes: string[] };
}
