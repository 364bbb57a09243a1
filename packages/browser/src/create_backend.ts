/**
 * createBackend in a browser page or worker: `wasm` on Web Worker threads (one thread unless the page is
 * cross-origin isolated), `webgpu` from navigator.gpu, `auto` WebGPU on a hardware adapter and wasm otherwise.
 * The WebGPU backend (and its WGSL kernels) is imported only when WebGPU is used, so a bundler that splits
 * dynamic imports keeps it out of a wasm-only page's first load. Same contract as @dogo/node's.
 */
import { checkBackendKind, type Backend, type BackendChoice, type BackendKind, type CreateBackendOptions } from '@dogo/core';
import type { GpuDeviceHandle } from '@dogo/backend-webgpu';
import { createBrowserWasmBackend } from './wasm_backend.js';
import { requestBrowserGpuDevice } from './webgpu_device.js';

async function onWebGpu(handle: GpuDeviceHandle, reason: string): Promise<BackendChoice> {
  const { WebGpuBackend } = await import('@dogo/backend-webgpu');
  const name = handle.info.description || handle.info.name || 'unnamed adapter';
  const soft = handle.info.isSoftware ? ' (software: runs on the CPU, slower than wasm)' : '';
  return { backend: new WebGpuBackend(handle.device, { adapterName: name }), reason: `${reason}: WebGPU on "${name}"${soft}` };
}

async function onWasm(options: CreateBackendOptions, reason: string): Promise<BackendChoice> {
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  const backend = await createBrowserWasmBackend({ threads: options.threads ?? 'auto' });
  const threads = backend.runtime.threads;
  return { backend, reason: `${reason}: wasm, ${threads} thread${threads === 1 ? '' : 's'}${isolated ? '' : ' (the page is not cross-origin isolated, so no shared memory)'}` };
}

/** A backend and the reason for it; see the module comment. Throws UnknownBackendError, and NoAdapterError for an unavailable `webgpu`. */
export async function selectBackend(kind: BackendKind = 'auto', options: CreateBackendOptions = {}): Promise<BackendChoice> {
  checkBackendKind(kind);
  let choice: BackendChoice;
  if (kind === 'wasm') choice = await onWasm(options, 'asked for wasm');
  else if (kind === 'webgpu') choice = await onWebGpu(await requestBrowserGpuDevice({ requireHardware: options.requireHardware ?? false }), 'asked for webgpu');
  else {
    let handle: GpuDeviceHandle | null = null;
    let why = '';
    try {
      handle = await requestBrowserGpuDevice({ requireHardware: true });
    } catch (e) {
      why = e instanceof Error && e.name === 'NoAdapterError' ? 'no hardware WebGPU adapter' : `WebGPU failed (${(e as Error).message.split('\n')[0]})`;
    }
    choice = handle ? await onWebGpu(handle, 'auto: hardware adapter') : await onWasm(options, `auto: ${why}`);
  }
  options.log?.(`backend: ${choice.reason}`);
  return choice;
}

/** A backend by name: `await createBackend('auto')`, `createBackend('wasm')`, `createBackend('webgpu')`. */
export async function createBackend(kind: BackendKind = 'auto', options: CreateBackendOptions = {}): Promise<Backend> {
  return (await selectBackend(kind, options)).backend;
}
