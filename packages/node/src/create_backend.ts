/**
 * createBackend on Node: `wasm` on worker threads, `webgpu` through Dawn (imported only then), `auto` WebGPU on a
 * hardware adapter and wasm otherwise (a software adapter such as SwiftShader runs on the CPU, far slower than the
 * wasm kernels). The same contract as @dogo/browser's; @dogo/platform exports whichever fits the runtime.
 */
import { checkBackendKind, type Backend, type BackendChoice, type BackendKind, type CreateBackendOptions } from '@dogo/core';
import { WebGpuBackend, type GpuDeviceHandle } from '@dogo/backend-webgpu';
import { createNodeWasmBackend } from './wasm_workers.js';
import { requestNodeGpuDevice } from './webgpu_device.js';

function onWebGpu(handle: GpuDeviceHandle, reason: string): BackendChoice {
  const name = handle.info.description || handle.info.name || 'unnamed adapter';
  const soft = handle.info.isSoftware ? ' (software: runs on the CPU, slower than wasm)' : '';
  return { backend: new WebGpuBackend(handle.device, { adapterName: name }), reason: `${reason}: WebGPU on "${name}"${soft}` };
}

async function onWasm(options: CreateBackendOptions, reason: string): Promise<BackendChoice> {
  const backend = await createNodeWasmBackend({ threads: options.threads ?? 'auto' });
  return { backend, reason: `${reason}: wasm, ${backend.runtime.threads} thread${backend.runtime.threads === 1 ? '' : 's'}` };
}

/** A backend and the reason for it; see the module comment. Throws UnknownBackendError, and NoAdapterError for an unavailable `webgpu`. */
export async function selectBackend(kind: BackendKind = 'auto', options: CreateBackendOptions = {}): Promise<BackendChoice> {
  checkBackendKind(kind);
  let choice: BackendChoice;
  if (kind === 'wasm') choice = await onWasm(options, 'asked for wasm');
  else if (kind === 'webgpu') choice = onWebGpu(await requestNodeGpuDevice({ requireHardware: options.requireHardware ?? false }), 'asked for webgpu');
  else {
    try {
      choice = onWebGpu(await requestNodeGpuDevice({ requireHardware: true }), 'auto: hardware adapter');
    } catch (e) {
      const why = e instanceof Error && e.name === 'NoAdapterError' ? 'no hardware WebGPU adapter' : `WebGPU failed (${(e as Error).message.split('\n')[0]})`;
      choice = await onWasm(options, `auto: ${why}`);
    }
  }
  options.log?.(`backend: ${choice.reason}`);
  return choice;
}

/** A backend by name: `await createBackend('auto')`, `createBackend('wasm', { threads: 2 })`, `createBackend('webgpu')`. */
export async function createBackend(kind: BackendKind = 'auto', options: CreateBackendOptions = {}): Promise<Backend> {
  return (await selectBackend(kind, options)).backend;
}
