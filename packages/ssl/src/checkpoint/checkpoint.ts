/**
 * Checkpoint contents, as bytes: every state leaf (parameters, buffers, optimiser state) in one safetensors
 * file, and a small JSON manifest with the step, the data order and the RNG state. Writing them to disk
 * atomically is the platform adapter's job (Node: temporary file, fsync, rename; browser: OPFS).
 */
import { DogoError, Rng, type HostTensor, type RngState } from '@dogo/core';
import { decodeSafetensors, encodeSafetensors, type SafeTensor } from '@dogo/nn';

export const CHECKPOINT_FORMAT = 'dogo-checkpoint/1';

export interface CheckpointManifest {
  format: typeof CHECKPOINT_FORMAT;
  /** Steps completed. */
  step: number;
  /** The data loader's position of the next batch. */
  loader: { epoch: number; position: number };
  /** Augmentation generator state. */
  rng: RngState;
  /** Name of the safetensors file beside the manifest. */
  tensors: string;
  /** A fingerprint of the run configuration; resuming with another one is refused. */
  configHash: string;
  /** Free-form: metrics so far, timing. */
  extra?: Record<string, unknown>;
}

export class CheckpointError extends DogoError {}

export function encodeState(state: Readonly<Record<string, HostTensor>>): Uint8Array {
  const tensors: Record<string, SafeTensor> = {};
  for (const [k, t] of Object.entries(state)) {
    // A float64 state (the reference backend's) is kept at full precision so a resumed run is exact.
    tensors[k] = t.dtype === 'int32'
      ? { dtype: 'I32', shape: [...t.shape], data: Int32Array.from(t.data) }
      : t.data instanceof Float64Array
        ? { dtype: 'F64', shape: [...t.shape], data: t.data }
        : { dtype: 'F32', shape: [...t.shape], data: Float32Array.from(t.data) };
  }
  return encodeSafetensors(tensors, { format: CHECKPOINT_FORMAT });
}

export function decodeState(bytes: Uint8Array, source: string): Record<string, HostTensor> {
  const file = decodeSafetensors(bytes, source);
  const out: Record<string, HostTensor> = {};
  for (const [k, t] of Object.entries(file.tensors)) {
    if (t.dtype !== 'F32' && t.dtype !== 'F64' && t.dtype !== 'I32') throw new CheckpointError(`${source}: tensor "${k}" has dtype ${t.dtype}; checkpoints hold F32, F64 and I32 only`);
    // An own property whatever the name ("__proto__" included): names come from the file.
    Object.defineProperty(out, k, { value: { shape: t.shape, dtype: t.dtype === 'I32' ? 'int32' : 'float32', data: t.data as Float32Array | Float64Array | Int32Array }, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

export function parseManifest(text: string, source: string): CheckpointManifest {
  let m: CheckpointManifest;
  try {
    m = JSON.parse(text) as CheckpointManifest;
  } catch (e) {
    throw new CheckpointError(`${source}: not valid JSON (${(e as Error).message}); the checkpoint is damaged, resume from an earlier one`);
  }
  if (typeof m !== 'object' || m === null || Array.isArray(m)) throw new CheckpointError(`${source}: not a JSON object; the checkpoint is damaged, resume from an earlier one`);
  if (m.format !== CHECKPOINT_FORMAT) throw new CheckpointError(`${source}: format ${JSON.stringify(m.format)} is not "${CHECKPOINT_FORMAT}"`);
  if (!Number.isInteger(m.step) || m.step < 0 || typeof m.tensors !== 'string' || typeof m.rng !== 'object' || m.rng === null || typeof m.loader !== 'object' || m.loader === null) {
    throw new CheckpointError(`${source}: manifest lacks step, tensors, rng or loader`);
  }
  // The tensors file is read from beside the manifest: a bare file name, never a path.
  if (!/^step-\d+\.safetensors$/.test(m.tensors)) throw new CheckpointError(`${source}: "tensors" must name a step-<n>.safetensors file beside it, got ${JSON.stringify(m.tensors)}`);
  if (!Number.isInteger(m.loader.epoch) || m.loader.epoch < 0 || !Number.isInteger(m.loader.position) || m.loader.position < 0) {
    throw new CheckpointError(`${source}: "loader" must hold non-negative integer epoch and position, got ${JSON.stringify(m.loader)}`);
  }
  try {
    Rng.fromState(m.rng);
  } catch (e) {
    throw new CheckpointError(`${source}: "rng" is not a generator state (${(e as Error).message}); the checkpoint is damaged, resume from an earlier one`);
  }
  return m;
}

/** A short stable hash of a JSON-able value (FNV-1a over its canonical JSON). */
export function fingerprint(value: unknown): string {
  const text = JSON.stringify(value, (_, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) : v));
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}
