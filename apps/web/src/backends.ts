/**
 * Picks the backend the worker trains on and describes the choice for the page. 'webgpu' and 'wasm' force
 * one; 'auto' takes WebGPU on a hardware adapter and wasm otherwise (a software adapter such as SwiftShader
 * runs on the CPU, far slower than the wasm kernels), the same rule as `dogo train --backend auto`.
 * The devices and worker threads come from @dogo/browser; this file only chooses and labels.
 */
import type { Backend } from '@dogo/core';
import { browserWorkerHost, requestBrowserGpuDevice, WasmBackend, WasmRuntime, WebGpuBackend } from '@dogo/browser';
// Until @dogo/browser's index exports it (the lead merges that line), the Web Worker host is taken from its file.
import type { BackendInfo, BackendRequest } from './protocol.js';

export interface ChosenBackend {
  backend: Backend;
  info: BackendInfo;
}

function isolated(): boolean {
  return (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
}

/** The first sentence of an error message (the adapter errors go on to say how to fix the browser). */
function firstSentence(e: unknown): string {
  const text = (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
  const end = text.search(/\.\s/);
  return end > 0 ? text.slice(0, end) : text;
}

async function webgpu(requireHardware: boolean, reason: string): Promise<ChosenBackend> {
  const handle = await requestBrowserGpuDevice({ requireHardware });
  const adapter = handle.info.description || handle.info.name || 'unnamed adapter';
  const soft = handle.info.isSoftware ? ' (software, runs on the CPU)' : '';
  return {
    backend: new WebGpuBackend(handle.device, { adapterName: adapter }),
    info: { kind: 'webgpu', label: `WebGPU on "${adapter}"${soft}`, reason, adapter, crossOriginIsolated: isolated() },
  };
}

/** The wasm backend on Web Worker threads (all hardware threads where the page is cross-origin isolated). */
async function wasm(reason: string, log: (m: string) => void): Promise<ChosenBackend> {
  const runtime = await WasmRuntime.create({ threads: 'auto', workerHost: browserWorkerHost(), log });
  const backend = new WasmBackend(runtime);
  const threads = runtime.threads;
  const single = isolated() ? '' : '; the page is not cross-origin isolated, so wasm runs single-threaded';
  return {
    backend,
    info: { kind: 'wasm', label: `wasm (${runtime.variant === 'relaxed' ? 'relaxed SIMD' : 'SIMD'}), ${threads} thread${threads === 1 ? '' : 's'}`, reason: reason + single, threads, crossOriginIsolated: isolated() },
  };
}

/** Creates the backend the page asked for; see the module comment for 'auto'. */
export async function chooseBackend(request: BackendRequest, log: (m: string) => void): Promise<ChosenBackend> {
  if (request === 'webgpu') return webgpu(false, 'forced (?backend=webgpu)');
  if (request === 'wasm') return wasm('forced (?backend=wasm)', log);
  try {
    return await webgpu(true, 'auto: hardware WebGPU adapter');
  } catch (e) {
    let adapter: string | undefined;
    try {
      const soft = await requestBrowserGpuDevice();
      adapter = soft.info.description || soft.info.name;
      soft.device.destroy();
    } catch {
      // No WebGPU at all; the first error says why.
    }
    const why = adapter ? `auto: the only WebGPU adapter, "${adapter}", is software (slower than wasm here)` : `auto: no WebGPU (${firstSentence(e)})`;
    const chosen = await wasm(why, log);
    if (adapter) chosen.info.adapter = adapter;
    return chosen;
  }
}
