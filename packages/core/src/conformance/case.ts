/**
 * Conformance cases (format: vectors/README.md at the repository root): decoding the JSON format into host tensors.
 * Platform-neutral: the caller reads the files (Node) or fetches them (browser).
 */
import type { DType } from '../dtype.js';
import type { HostTensor } from '../backend/backend.js';
import { DogoError } from '../errors.js';

export interface EncodedTensor { shape: number[]; dtype: DType; data: string }

export interface ConformanceCaseJson {
  op: string;
  attrs: Record<string, unknown>;
  inputs: Record<string, EncodedTensor>;
  outputs: Record<string, EncodedTensor>;
  seeds?: Record<string, EncodedTensor>;
  grads?: Record<string, EncodedTensor>;
  tolerance: number;
  note?: string;
}

export interface ConformanceCase {
  name: string;
  op: string;
  attrs: Record<string, unknown>;
  inputs: Record<string, HostTensor>;
  outputs: Record<string, HostTensor>;
  seeds: Record<string, HostTensor>;
  grads: Record<string, HostTensor>;
  tolerance: number;
}

export class ConformanceFormatError extends DogoError {}

function base64ToBytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function decodeTensor(t: EncodedTensor, where: string): HostTensor {
  if (!Array.isArray(t.shape) || (t.dtype !== 'float32' && t.dtype !== 'int32') || typeof t.data !== 'string') {
    throw new ConformanceFormatError(`${where}: a tensor needs shape (array), dtype (float32|int32) and data (base64)`);
  }
  const bytes = base64ToBytes(t.data);
  const n = t.shape.reduce((a, b) => a * b, 1);
  if (bytes.length !== n * 4) throw new ConformanceFormatError(`${where}: ${bytes.length} bytes of data for shape [${t.shape.join(',')}] (${n * 4} expected)`);
  const view = new DataView(bytes.buffer);
  const data = t.dtype === 'int32' ? new Int32Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = t.dtype === 'int32' ? view.getInt32(i * 4, true) : view.getFloat32(i * 4, true);
  return { shape: t.shape, dtype: t.dtype, data };
}

function decodeAll(m: Record<string, EncodedTensor> | undefined, where: string): Record<string, HostTensor> {
  const out: Record<string, HostTensor> = {};
  for (const [k, t] of Object.entries(m ?? {})) out[k] = decodeTensor(t, `${where}.${k}`);
  return out;
}

export function decodeCase(name: string, json: unknown): ConformanceCase {
  const c = json as ConformanceCaseJson;
  if (!c || typeof c.op !== 'string' || typeof c.inputs !== 'object' || typeof c.outputs !== 'object') {
    throw new ConformanceFormatError(`${name}: not a conformance case (needs op, inputs, outputs)`);
  }
  return {
    name,
    op: c.op,
    attrs: c.attrs ?? {},
    inputs: decodeAll(c.inputs, `${name} inputs`),
    outputs: decodeAll(c.outputs, `${name} outputs`),
    seeds: decodeAll(c.seeds, `${name} seeds`),
    grads: decodeAll(c.grads, `${name} grads`),
    tolerance: typeof c.tolerance === 'number' ? c.tolerance : 1e-4,
  };
}
