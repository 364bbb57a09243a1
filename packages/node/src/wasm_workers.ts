/// <reference types="node" />
/**
 * Node adapter for @dogo/backend-wasm: a WorkerHost on worker_threads (each worker evaluates the
 * runtime's worker source with `eval: true`, receives the compiled module and the shared memory as
 * workerData, and is unref'd once it has started so it never keeps the process alive), relaxed-SIMD enabling for Node 20
 * (a V8 flag, which must be set before the first compile), and one-call runtime and backend constructors.
 * The only code of the wasm backend that touches Node APIs.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import v8 from 'node:v8';
import { relaxedSimdSupported, WasmBackend, WasmRuntime, type WasmBackendOptions, type WasmRuntimeOptions, type WorkerHost } from '@dogo/backend-wasm';
import { nodeMachineId, nodeTuningCache } from './tuning_cache.js';

/** A WorkerHost backed by worker_threads. */
export function nodeWorkerHost(): WorkerHost {
  return {
    hardwareConcurrency: availableParallelism(),
    spawn(source, data, onMessage) {
      const code = `const { parentPort, workerData } = require('node:worker_threads');\n(${source})(workerData, (m) => parentPort.postMessage(m));`;
      const worker = new Worker(code, { eval: true, workerData: data });
      let stopping = false;
      worker.on('message', onMessage);
      worker.on('error', (e) => onMessage({ type: 'error', message: String((e as Error)?.stack ?? e) }));
      worker.on('exit', (code) => { if (!stopping) onMessage({ type: 'error', message: `worker exited with code ${code}` }); });
      // keep the process alive until the worker reports (ready or error), then let it exit freely
      worker.once('message', () => worker.unref());
      return { terminate: () => { stopping = true; return worker.terminate(); } };
    },
  };
}

/**
 * Turns on relaxed SIMD where the engine has it behind a flag (Node 20: --experimental-wasm-relaxed-simd;
 * it is on by default from Node 22). Returns whether relaxed SIMD validates afterwards.
 */
export function enableRelaxedSimd(): boolean {
  if (!relaxedSimdSupported()) v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  return relaxedSimdSupported();
}

/** A WasmRuntime with worker_threads and relaxed SIMD enabled; threads default to the available cores. */
export function createNodeWasmRuntime(options: WasmRuntimeOptions = {}): Promise<WasmRuntime> {
  if (options.variant !== 'simd') enableRelaxedSimd();
  return WasmRuntime.create({ threads: 'auto', workerHost: nodeWorkerHost(), ...options });
}

/**
 * A WasmBackend on a new runtime from createNodeWasmRuntime (threads default to the available cores); tuned
 * convolution choices go to nodeTuningCache() under nodeMachineId() unless the options say otherwise.
 */
export async function createNodeWasmBackend(options: WasmRuntimeOptions & WasmBackendOptions = {}): Promise<WasmBackend> {
  const { fuse, merge, recomputeCap, tune, tuningCache, machine, convAlgorithm, measure, ...runtime } = options;
  return new WasmBackend(await createNodeWasmRuntime(runtime), {
    fuse, merge, recomputeCap, tune, convAlgorithm, measure,
    tuningCache: tuningCache ?? nodeTuningCache(), machine: machine ?? nodeMachineId(),
  });
}
