/**
 * Test-only helpers for kernel tests: seeded random inputs, relative L2 error against a float64
 * reference, and a one-call "run this kernel on these arrays" wrapper around KernelRunner.
 */
import type { KernelSource } from '@dogo/shaders-tensor';
import type { KernelRunner } from '../kernel_runner.js';

/** Deterministic uniform floats in [lo, hi) (mulberry32). */
export function randomArray(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = lo + (hi - lo) * (((t ^ (t >>> 14)) >>> 0) / 4294967296);
  }
  return out;
}

/** ||got - want||_2 / max(||want||_2, tiny). */
export function relL2(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) throw new Error(`length ${got.length} != ${want.length}`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < want.length; i++) {
    const d = got[i]! - want[i]!;
    num += d * d;
    den += want[i]! * want[i]!;
  }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-30);
}

/**
 * Uploads `inputs`, allocates `outputs` (element counts) filled with `fill` (default 0; NaN catches
 * elements a kernel fails to write), runs `kernel` once and reads the outputs back. Buffers are destroyed
 * afterwards.
 */
export async function runKernel(
  runner: KernelRunner,
  kernel: KernelSource,
  inputs: Record<string, Float32Array | Uint32Array | Int32Array>,
  outputs: Record<string, number>,
  fill = 0,
): Promise<Record<string, Float32Array>> {
  const buffers: Record<string, GPUBuffer> = {};
  for (const [name, data] of Object.entries(inputs)) buffers[name] = runner.upload(data, name);
  for (const [name, n] of Object.entries(outputs)) buffers[name] = runner.upload(new Float32Array(Math.max(1, n)).fill(fill), name);
  await runner.run(kernel, buffers);
  const out: Record<string, Float32Array> = {};
  for (const [name, n] of Object.entries(outputs)) out[name] = await runner.readFloat32(buffers[name]!, n);
  for (const b of Object.values(buffers)) b.destroy();
  return out;
}
