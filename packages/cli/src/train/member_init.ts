/**
 * `dogo train --init NAME=FILE`: starting a cohort member's encoder from a safetensors state dict (a `dogo
 * export`, or PyTorch/torchvision weights saved with safetensors) instead of the seeded initialisation.
 * Strict by default, as PyTorch's load_state_dict: missing or extra tensors (a classifier's `fc.*`) are refused
 * by name; `--init-non-strict` loads what fits and lists the rest. Shapes are always checked; the batch norms'
 * `num_batches_tracked` counters are accepted and ignored.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readStateDict, type StateDictRead } from '@dogo/nn';
import type { CohortMember, Normalization } from '@dogo/ssl';
import { fsStep } from '../fs_errors.js';
import { ConfigError } from './train_config.js';

/** One `--init` flag: model name and file. */
export interface InitSpec {
  model: string;
  file: string;
}

/** Parses `--init NAME=FILE` flags against the run's model names; refuses unknown names, repeats and missing files. */
export function parseInitFlags(flags: readonly string[], models: readonly string[]): InitSpec[] {
  const specs: InitSpec[] = [];
  for (const flag of flags) {
    const eq = flag.indexOf('=');
    if (eq <= 0 || eq === flag.length - 1) throw new ConfigError(`--init takes NAME=FILE.safetensors (a model of the run and a state dict), got "${flag}"`);
    const spec = { model: flag.slice(0, eq), file: flag.slice(eq + 1) };
    if (!models.includes(spec.model)) throw new ConfigError(`--init ${flag}: the run has no model "${spec.model}"; models: ${models.join(', ')}`);
    if (specs.some((s) => s.model === spec.model)) throw new ConfigError(`--init names ${spec.model} twice; give one file per model`);
    if (!existsSync(spec.file)) throw new ConfigError(`--init ${flag}: ${spec.file} not found`);
    specs.push(spec);
  }
  return specs;
}

/** What an init did, in one line for the log. */
export function describeInit(spec: InitSpec, r: StateDictRead, total: number): string {
  const parts = [`${Object.keys(r.values).length} of ${total} encoder tensors loaded`];
  for (const [dtype, n] of Object.entries(r.converted)) parts.push(`${n} converted from ${dtype} to F32`);
  if (r.numBatchesTracked.length) parts.push(`${r.numBatchesTracked.length} num_batches_tracked ignored`);
  if (r.missing.length) parts.push(`missing (seeded values kept): ${r.missing.join(', ')}`);
  if (r.unexpected.length) parts.push(`not in the model (ignored): ${r.unexpected.join(', ')}`);
  return `init: ${spec.model} encoder from ${spec.file}: ${parts.join('; ')}`;
}

/** Reads each file into its member's `init.encoder`; returns the log lines. Throws StateDictError naming every key at fault. */
export function applyInit(members: readonly CohortMember[], specs: readonly InitSpec[], strict: boolean, normalization: Normalization): string[] {
  const lines: string[] = [];
  for (const spec of specs) {
    const member = members.find((m) => m.name === spec.model);
    if (!member) continue;
    const bytes = fsStep('read the --init file', spec.file, () => new Uint8Array(readFileSync(spec.file)));
    const r = readStateDict(member.encoder, bytes, {
      source: spec.file, strict,
      hint: strict
        ? `Configure ${spec.model} with the architecture the file was saved with (arch, stages, blocks, stem, input channels), or pass --init-non-strict to load the tensors that fit and ignore the rest.`
        : `Configure ${spec.model} with the architecture the file was saved with (arch, stages, blocks, stem, input channels).`,
    });
    member.init = { encoder: r.values };
    lines.push(describeInit(spec, r, [...member.encoder.namedParameters()].length));
    const mean = r.metadata['input_mean'];
    const std = r.metadata['input_std'];
    if (mean !== undefined && std !== undefined && (mean !== JSON.stringify(normalization.mean) || std !== JSON.stringify(normalization.std))) {
      lines.push(`note: ${spec.file} was trained on inputs normalised with mean ${mean}, std ${std}; this run normalises with mean ${JSON.stringify(normalization.mean)}, std ${JSON.stringify(normalization.std)}`);
    }
  }
  return lines;
}
