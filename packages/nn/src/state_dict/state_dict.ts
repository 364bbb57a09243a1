/**
 * State dicts in safetensors with PyTorch (torchvision) names. Public. Saving checks that the values cover the
 * model exactly, with the right sizes; loading checks every name and shape like PyTorch's strict
 * `load_state_dict` and reports all missing keys, unexpected keys and size mismatches at once.
 * PyTorch's int64 `num_batches_tracked` buffers have no counterpart here: loading ignores them (next to a
 * batch norm's running_mean), saving omits them unless asked to write them, and PyTorch's batch norm fills a
 * missing one in (keeping its own count) when the state dict carries no version metadata, as the plain dict from
 * safetensors' load_file does not.
 */
import { DogoError, formatShape, shapesEqual } from '@dogo/core';
import { decodeSafetensors, type SafetensorsFile } from '../safetensors/decode.js';
import { encodeSafetensors } from '../safetensors/encode.js';
import type { SafeTensor } from '../safetensors/dtypes.js';
import type { Module } from '../module/module.js';
import { bf16ToFloat32, halfToFloat } from './half.js';

/** Values that do not fit a model: missing or unexpected names, wrong sizes or shapes, non-float data. */
export class StateDictError extends DogoError {}

const NBT = 'num_batches_tracked';

export interface SaveStateDictOptions {
  /** Read each value from `values[prefix + name]` (e.g. 'student.encoder.' for a cohort member's state); default ''. */
  prefix?: string;
  /** String metadata written into the file's header. */
  metadata?: Readonly<Record<string, string>>;
  /** When given, write each batch norm's `num_batches_tracked` (I64 scalar) with this value, as torch.save would. */
  numBatchesTracked?: number;
}

export interface LoadStateDictOptions {
  /** Name of the file for error messages. */
  source?: string;
  /** Refuse missing and unexpected keys (default true); shape mismatches are always refused. */
  strict?: boolean;
  /** The last line of a refusal: what to do (default: rebuild the model as saved, or load non-strictly). */
  hint?: string;
}

/** What `readStateDict` found in a file, beside the values. */
export interface StateDictRead {
  /** Loaded values by full model name, in the model's state-dict order. */
  values: Record<string, Float32Array>;
  /** Model names the file lacks (only when not strict: their values are not in `values`). */
  missing: string[];
  /** File names the model has no place for (only when not strict: they were ignored). */
  unexpected: string[];
  /** The `*.num_batches_tracked` counters next to the model's batch norms, accepted and ignored. */
  numBatchesTracked: string[];
  /** Loaded tensors that were converted to float32, counted by their dtype in the file (F64, F16, BF16). */
  converted: Record<string, number>;
  /** The file's string metadata. */
  metadata: Record<string, string>;
}

function modelName(model: Module): string {
  return model.constructor.name;
}

function report(model: Module, what: string, missing: string[], unexpected: string[], mismatched: string[], hint: string): never {
  const lines = [`Error(s) in ${what} for ${modelName(model)}:`];
  if (missing.length) lines.push(`  Missing key(s): ${missing.map((k) => `"${k}"`).join(', ')}.`);
  if (unexpected.length) lines.push(`  Unexpected key(s): ${unexpected.map((k) => `"${k}"`).join(', ')}.`);
  for (const m of mismatched) lines.push(`  ${m}`);
  lines.push(hint);
  throw new StateDictError(lines.join('\n'));
}

/**
 * Serialises `values` (by full model name, optionally under `prefix`) to safetensors F32 tensors with the model's
 * shapes, in the model's state-dict order. Float64Array values (a reference backend's state) are rounded to F32.
 */
export function stateDictToSafetensors(model: Module, values: Readonly<Record<string, ArrayLike<number>>>, options: SaveStateDictOptions = {}): Uint8Array {
  const prefix = options.prefix ?? '';
  const tensors: Record<string, SafeTensor> = {};
  const missing: string[] = [];
  const mismatched: string[] = [];
  const expected = new Set<string>();
  for (const [name, spec] of model.namedParameters()) {
    expected.add(prefix + name);
    const v = values[prefix + name];
    if (v === undefined) {
      missing.push(prefix + name);
      continue;
    }
    if (v.length !== spec.size) {
      mismatched.push(`size mismatch for ${prefix + name}: ${v.length} values given, the shape in the model is ${formatShape(spec.shape)} (${spec.size} values).`);
      continue;
    }
    tensors[name] = { dtype: 'F32', shape: [...spec.shape], data: v instanceof Float32Array ? v : Float32Array.from(v) };
    if (spec.kind === 'running_var' && options.numBatchesTracked !== undefined) {
      const base = name.slice(0, name.length - 'running_var'.length);
      tensors[base + NBT] = { dtype: 'I64', shape: [], data: BigInt64Array.of(BigInt(options.numBatchesTracked)) };
    }
  }
  const unexpected = Object.keys(values).filter((k) => k.startsWith(prefix) && !expected.has(k));
  if (missing.length || unexpected.length || mismatched.length) {
    report(model, 'saving state_dict', missing, unexpected, mismatched, 'Pass exactly the values of model.namedParameters() (e.g. from initialState or the trained state), under the given prefix.');
  }
  return encodeSafetensors(tensors, options.metadata);
}

function toFloat32(name: string, t: SafeTensor, source: string): Float32Array {
  switch (t.dtype) {
    case 'F32':
      return t.data;
    case 'F64':
      return Float32Array.from(t.data);
    case 'F16':
      return Float32Array.from(t.data, halfToFloat);
    case 'BF16':
      return bf16ToFloat32(t.data);
    default:
      throw new StateDictError(`${source}: tensor "${name}" has dtype ${t.dtype}; parameters must be F32, F64, F16 or BF16; re-export it as float32`);
  }
}

/**
 * Reads a safetensors state dict for `model` like PyTorch's `load_state_dict`, and says what it did: the values
 * by full model name, and the keys it skipped (non-strict), the `num_batches_tracked` counters it ignored and the
 * tensors it converted to float32. Throws one StateDictError listing every missing key, unexpected key and size
 * mismatch (missing and unexpected only when strict). `file` is the file's bytes, or the file already decoded.
 */
export function readStateDict(model: Module, file: Uint8Array | SafetensorsFile, options: LoadStateDictOptions = {}): StateDictRead {
  const source = options.source ?? '<bytes>';
  const strict = options.strict ?? true;
  const { tensors, metadata } = file instanceof Uint8Array ? decodeSafetensors(file, source) : file;
  const specs = new Map(model.namedParameters());
  const values: Record<string, Float32Array> = {};
  const missing: string[] = [];
  const mismatched: string[] = [];
  const converted: Record<string, number> = {};
  for (const [name, spec] of specs) {
    const t = tensors[name];
    if (t === undefined) {
      missing.push(name);
      continue;
    }
    if (!shapesEqual(t.shape, spec.shape)) {
      mismatched.push(`size mismatch for ${name}: copying a param with shape ${formatShape(t.shape)} from checkpoint, the shape in current model is ${formatShape(spec.shape)}.`);
      continue;
    }
    values[name] = toFloat32(name, t, source);
    if (t.dtype !== 'F32') converted[t.dtype] = (converted[t.dtype] ?? 0) + 1;
  }
  const numBatchesTracked: string[] = [];
  const unexpected: string[] = [];
  for (const k of Object.keys(tensors)) {
    if (specs.has(k)) continue;
    const isCounter = (k === NBT || k.endsWith(`.${NBT}`)) && specs.has(k.slice(0, k.length - NBT.length) + 'running_mean');
    (isCounter ? numBatchesTracked : unexpected).push(k);
  }
  if (mismatched.length || (strict && (missing.length || unexpected.length))) {
    report(
      model,
      `loading state_dict from ${source}`,
      strict ? missing : [],
      strict ? unexpected : [],
      mismatched,
      options.hint ?? 'Build the model with the architecture, widths, stem, input channels and classes the file was saved with, or pass {strict: false} to load a subset.',
    );
  }
  return { values, missing, unexpected, numBatchesTracked, converted, metadata };
}

/**
 * Reads a safetensors state dict for `model` and returns its values by full model name (ready as a backend's
 * initial state, under the caller's prefix). Ignores `*.num_batches_tracked` of the model's batch norms.
 */
export function loadStateDict(model: Module, bytes: Uint8Array, options: LoadStateDictOptions = {}): Record<string, Float32Array> {
  return readStateDict(model, bytes, options).values;
}
