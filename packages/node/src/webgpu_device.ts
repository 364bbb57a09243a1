/// <reference types="@webgpu/types" preserve="true" />
/// <reference types="node" preserve="true" />
/**
 * The Node WebGPU adapter: a GPUDevice from Dawn's Node bindings (the `webgpu` package). Where no Vulkan
 * driver is configured and no hardware adapter answers, it falls back to Chromium's SwiftShader (a CPU
 * Vulkan driver) and says so in `note`. Only this file and webgpu_vulkan_env.ts touch Dawn, and Dawn (a native
 * module) is imported on the first request for a device, so a process that only uses wasm never loads it.
 */
import { type GpuDeviceHandle, type GpuDeviceOptions, NoAdapterError, describeAdapter, openDevice } from '@dogo/backend-webgpu';
import { existsSync } from 'node:fs';
import { SWIFTSHADER_ICD, configuredVulkanDrivers, ensureXdgRuntimeDir, findVulkanLoader, noAdapterAdvice } from './webgpu_vulkan_env.js';

/** Options of requestNodeGpuDevice. */
export interface NodeGpuDeviceOptions extends GpuDeviceOptions {
  /** Extra Dawn flags for create(), e.g. `backend=vulkan`, `enable-dawn-features=...`. */
  readonly dawnFlags?: readonly string[];
  /** 'auto' (default): SwiftShader only when nothing else is configured or found; 'never'; 'always'. */
  readonly swiftShader?: 'auto' | 'never' | 'always';
  /** Reject software adapters (NoAdapterError) instead of returning them (default false). */
  readonly requireHardware?: boolean;
}

/** The Dawn `GPU` objects whose adapters were handed out: Dawn's instance lives as long as its GPU object. */
const instances = new Set<GPU>();

/** Dawn's module, imported on first use. */
function dawn(): Promise<typeof import('webgpu')> {
  return import('webgpu');
}

/** Installs Dawn's WebGPU classes (GPUBufferUsage, GPUMapMode, ...) on globalThis if missing (loads Dawn). */
export async function installWebGpuGlobals(): Promise<void> {
  const { globals } = await dawn();
  for (const [k, v] of Object.entries(globals as Record<string, unknown>)) {
    if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  }
}

async function tryAdapter(flags: readonly string[], options: NodeGpuDeviceOptions): Promise<GPUAdapter | null> {
  const { create } = await dawn();
  const gpu = create([...flags]);
  const adapter = await gpu.requestAdapter(options.powerPreference ? { powerPreference: options.powerPreference } : {});
  if (adapter) instances.add(gpu);
  return adapter ?? null;
}

/**
 * A WebGPU device from Dawn. Tries the configured or system Vulkan drivers first; if none is configured
 * (VK_ICD_FILENAMES / VK_DRIVER_FILES unset) and no adapter answers, uses SwiftShader from Debian's
 * chromium package when present (setting VK_ICD_FILENAMES for this process) and says so in `note`.
 * Throws NoAdapterError (what was tried, how to fix), AdapterLimitError, AdapterFeatureError.
 */
export async function requestNodeGpuDevice(options: NodeGpuDeviceOptions = {}): Promise<GpuDeviceHandle> {
  await installWebGpuGlobals();
  ensureXdgRuntimeDir();
  const flags = options.dawnFlags ?? [];
  const mode = options.swiftShader ?? 'auto';
  const tried: string[] = [];
  const loader = findVulkanLoader();
  const configured = configuredVulkanDrivers();
  const configuredText = Object.entries(configured).map(([k, v]) => `${k}=${v}`).join(' ');
  const accept = (a: GPUAdapter | null): a is GPUAdapter => a !== null && !(options.requireHardware && describeAdapter(a).isSoftware);

  if (mode !== 'always') {
    const adapter = await tryAdapter(flags, options);
    tried.push(`Dawn with ${configuredText || 'the system Vulkan drivers (no VK_ICD_FILENAMES/VK_DRIVER_FILES)'}: ${adapter ? (accept(adapter) ? 'adapter found' : 'only a software adapter, rejected (requireHardware)') : 'no adapter'}`);
    if (accept(adapter)) return openDevice(adapter, options);
  }

  const swiftShaderAllowed = mode === 'always' || (mode === 'auto' && Object.keys(configured).length === 0 && !options.requireHardware);
  if (swiftShaderAllowed) {
    if (existsSync(SWIFTSHADER_ICD)) {
      process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
      const adapter = await tryAdapter(flags, options);
      tried.push(`Dawn with VK_ICD_FILENAMES=${SWIFTSHADER_ICD} (SwiftShader): ${adapter ? 'adapter found' : 'no adapter'}`);
      if (adapter) {
        const note = `No Vulkan driver was configured and no hardware adapter was found, so this process uses SwiftShader, a CPU Vulkan driver (VK_ICD_FILENAMES=${SWIFTSHADER_ICD} was set for this process). WebGPU works but is very slow; the wasm backend trains faster here. Set VK_ICD_FILENAMES yourself to choose another driver.`;
        return openDevice(adapter, options, note);
      }
      delete process.env.VK_ICD_FILENAMES;
    } else {
      tried.push(`SwiftShader: ${SWIFTSHADER_ICD} not found (Debian's chromium package provides it)`);
    }
  }
  if (loader === null) tried.push('libvulkan.so.1 (the Vulkan loader) not found in the system library directories or LD_LIBRARY_PATH');
  throw new NoAdapterError(`No WebGPU adapter from Dawn. Tried:\n  - ${tried.join('\n  - ')}\n${noAdapterAdvice(loader)}`, tried);
}
