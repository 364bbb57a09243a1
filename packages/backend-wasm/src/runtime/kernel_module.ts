/**
 * Loading the kernel modules shipped in kernels.gen.ts: base64 decoding, feature detection (relaxed SIMD,
 * shared memory, blocking waits) and compilation. Internal to the runtime; no platform imports.
 *
 * Two builds exist: 'simd' (plain 128-bit SIMD) and 'relaxed' (the same kernels with f32x4.relaxed_madd).
 * Both import `env.memory` declared shared; where shared memory is unavailable the import is rewritten to a
 * plain memory (one flag byte), and the runtime runs single-threaded.
 */
import { KERNELS_RELAXED_BASE64, KERNELS_SIMD_BASE64 } from '../kernels.gen.js';

/** Which kernel build to use. 'auto' picks 'relaxed' when the engine validates it, else 'simd'. */
export type KernelVariant = 'simd' | 'relaxed';

/** Thrown when the engine lacks a WebAssembly feature the caller asked for. */
export class WasmFeatureError extends Error {
  override name = 'WasmFeatureError';
}

function decodeBase64(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let k = 0; k < bin.length; k++) out[k] = bin.charCodeAt(k);
  return out;
}

// (module (func (param v128 v128 v128) (result v128) (f32x4.relaxed_madd (local.get 0) (local.get 1) (local.get 2))))
const RELAXED_PROBE = 'AGFzbQEAAAABCAFgA3t7ewF7AwIBAAoNAQsAIAAgASAC/YUCCw==';
// (module (func (result v128) (v128.const i32x4 0 0 0 0)))
const SIMD_PROBE = 'AGFzbQEAAAABBQFgAAF7AwIBAAoWARQA/QwAAAAAAAAAAAAAAAAAAAAACw==';

/**
 * True when the engine accepts relaxed-SIMD instructions now. Node 20 needs
 * `--experimental-wasm-relaxed-simd` (or `v8.setFlagsFromString` with it before the first compile).
 */
export function relaxedSimdSupported(): boolean {
  try { return WebAssembly.validate(decodeBase64(RELAXED_PROBE)); } catch { return false; }
}

/** True when the engine has 128-bit SIMD. */
export function simdSupported(): boolean {
  try { return WebAssembly.validate(decodeBase64(SIMD_PROBE)); } catch { return false; }
}

/** True when a shared WebAssembly.Memory can be created (cross-origin isolation in browsers). */
export function sharedMemorySupported(): boolean {
  try {
    if (typeof SharedArrayBuffer === 'undefined') return false;
    const m = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return m.buffer instanceof SharedArrayBuffer;
  } catch { return false; }
}

/** True when this thread may block in Atomics.wait (Node main thread, workers; not a browser main thread). */
export function canBlock(): boolean {
  try {
    const i32 = new Int32Array(new SharedArrayBuffer(4));
    Atomics.wait(i32, 0, 1, 0);
    return true;
  } catch { return false; }
}

/** Resolves 'auto' and checks the engine can run the requested variant. */
export function resolveVariant(requested: KernelVariant | 'auto'): KernelVariant {
  if (!simdSupported()) throw new WasmFeatureError('this engine has no WebAssembly SIMD; the wasm backend needs it (use the reference backend)');
  const relaxed = relaxedSimdSupported();
  if (requested === 'auto') return relaxed ? 'relaxed' : 'simd';
  if (requested === 'relaxed' && !relaxed) {
    throw new WasmFeatureError("relaxed SIMD is not enabled in this engine: on Node 20 start with --experimental-wasm-relaxed-simd (or call enableRelaxedSimd() from @dogo/node before creating the runtime), or ask for variant 'simd'");
  }
  return requested;
}

/** Kernel module bytes; with shared = false the memory import is rewritten to an unshared memory. */
export function kernelBytes(variant: KernelVariant, shared = true): Uint8Array<ArrayBuffer> {
  const bytes = decodeBase64(variant === 'relaxed' ? KERNELS_RELAXED_BASE64 : KERNELS_SIMD_BASE64);
  if (shared) return bytes;
  // import entry: 03 'env' 06 'memory' 02(kind memory) 03(limits: shared, has max) -> 01 (has max)
  const pattern = [3, 0x65, 0x6e, 0x76, 6, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 2, 3];
  outer: for (let k = 8; k + pattern.length <= bytes.length; k++) {
    for (let q = 0; q < pattern.length; q++) if (bytes[k + q] !== pattern[q]) continue outer;
    bytes[k + pattern.length - 1] = 1;
    return bytes;
  }
  throw new Error('kernel module: memory import not found (kernels.gen.ts is corrupt; rebuild @dogo/backend-wasm)');
}

/** Compiles a kernel build. */
export function compileKernels(variant: KernelVariant, shared = true): Promise<WebAssembly.Module> {
  return WebAssembly.compile(kernelBytes(variant, shared));
}
