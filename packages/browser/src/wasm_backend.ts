/**
 * The wasm backend for pages and workers: a WasmBackend on a WasmRuntime whose threads are Web Workers
 * (browserWorkerHost). Threads need shared memory, so the page must be cross-origin isolated (COOP
 * same-origin + COEP require-corp); without it the runtime runs single-threaded and says so through `log`.
 * Relaxed SIMD is used where the browser has it (Chrome 114+). On the main thread with workers, runs wait
 * without blocking (Atomics.waitAsync); a single-threaded runtime on the main thread blocks it while a step
 * runs, so long steps belong in a worker.
 */
import { WasmBackend, WasmRuntime, type WasmBackendOptions, type WasmRuntimeOptions } from '@dogo/backend-wasm';
import { browserWorkerHost } from './worker_host.js';
import { browserMachineId, browserTuningCache } from './tuning_cache.js';

/**
 * A WasmBackend with Web Worker threads (threads default to navigator.hardwareConcurrency); tuned
 * convolution choices go to the OPFS cache (browserTuningCache) unless the options say otherwise.
 */
export async function createBrowserWasmBackend(options: WasmRuntimeOptions & WasmBackendOptions = {}): Promise<WasmBackend> {
  const { fuse, merge, recomputeCap, tune, tuningCache, machine, convAlgorithm, measure, ...runtime } = options;
  const rt = await WasmRuntime.create({ threads: 'auto', workerHost: browserWorkerHost(), ...runtime });
  return new WasmBackend(rt, {
    fuse, merge, recomputeCap, tune, convAlgorithm, measure,
    tuningCache: tuningCache ?? browserTuningCache(), machine: machine ?? browserMachineId(),
  });
}
