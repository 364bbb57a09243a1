/** Reading a finished or interrupted run folder: its config.json and the models in its checkpoint. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Module, ResNet } from '@dogo/nn';
import type { Normalization } from '@dogo/ssl';
import { ConfigError, type ModelConfig, type TrainConfig } from '../train/train_config.js';
import { validateConfig } from '../train/train_config_schema.js';
import { fsStep } from '../fs_errors.js';
import { loadCheckpoint } from '../train/checkpoint_files.js';
import { buildEncoder, buildMember } from '../train/models.js';
import { normalizationFor } from '../train/train_run.js';

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

/** Weights of one part (`encoder`, `head`) of every model in the run's last checkpoint, under PyTorch names. */
export function readParts(dir: string, part: 'encoder' | 'head' = 'encoder'): { step: number; parts: Record<string, Record<string, Float32Array>> } {
  const { manifest, state } = loadCheckpoint(dir);
  const parts: Record<string, Record<string, Float32Array>> = {};
  const prefix = `.${part}.`;
  for (const [name, t] of Object.entries(state)) {
    const at = name.indexOf(prefix);
    // Optimiser slots (`#m`, `#v`) are not weights; the member name is the part before the first dot.
    if (at < 0 || name.includes('#') || name.lastIndexOf('.', at - 1) >= 0) continue;
    (parts[name.slice(0, at)] ??= {})[name.slice(at + prefix.length)] = Float32Array.from(t.data);
  }
  return { step: manifest.step, parts };
}

/** Encoder weights of every model in the run's last checkpoint, under PyTorch names. */
export function readEncoders(dir: string): { step: number; encoders: Record<string, Record<string, Float32Array>> } {
  const { step, parts } = readParts(dir, 'encoder');
  return { step, encoders: parts };
}

/** What the run trained on: image shape and class names (run.json). */
export function readRunData(dir: string): { imageShape: [number, number, number]; classes: string[] } {
  const f = path.join(dir, 'run.json');
  if (!existsSync(f)) throw new ConfigError(`${dir}: run.json not found; the run folder is incomplete`);
  return JSON.parse(fsStep('read', f, () => readFileSync(f, 'utf8'))) as { imageShape: [number, number, number]; classes: string[] };
}

/** One model of a run, rebuilt with its checkpoint's weights: what `dogo export` and `dogo serve` work from. */
export interface RunModel {
  config: ModelConfig;
  step: number;
  encoder: ResNet;
  weights: Record<string, Float32Array>;
  head: Module;
  headWeights: Record<string, Float32Array>;
  imageShape: [number, number, number];
  normalization: Normalization;
}

/** Model `name` (default: the run's first) of the run in `dir`, at its last checkpoint. */
export function readRunModel(dir: string, name?: string): RunModel {
  const config = readRunConfig(dir);
  const wanted = name ?? config.models[0]!.name;
  const mc = config.models.find((m) => m.name === wanted);
  if (!mc) throw new ConfigError(`no model "${wanted}" in ${dir}; models: ${config.models.map((m) => m.name).join(', ')}`);
  const { imageShape } = readRunData(dir);
  const encoder = buildEncoder(mc, imageShape[0]);
  const { head } = buildMember(mc, imageShape[0]);
  const { step, parts: encoders } = readParts(dir, 'encoder');
  const { parts: heads } = readParts(dir, 'head');
  const weights = encoders[wanted] ?? {};
  const headWeights = heads[wanted] ?? {};
  for (const [mod, values, what] of [[encoder, weights, 'encoder'], [head, headWeights, 'head']] as const) {
    const missing = [...mod.namedParameters()].map(([n]) => n).filter((n) => !values[n]);
    if (missing.length) throw new ConfigError(`${dir}: the checkpoint at step ${step} lacks ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', ...' : ''} of ${wanted}'s ${what}; the run folder is damaged`);
  }
  return { config: mc, step, encoder, weights, head, headWeights, imageShape, normalization: normalizationFor({ channels: imageShape[0] }) };
}
