/**
 * Backends by name, loaded lazily so a machine without a GPU never loads Dawn. The one place the CLI
 * maps a name to a backend; `dogo info` and the conformance runner read the same table.
 */
import { ReferenceBackend, type Backend, DogoError, type TuneMode } from '@dogo/core';

export class UnknownBackendError extends DogoError {}

export interface BackendChoiceOptions {
  /** Wasm worker threads including the main one (default: all cores). */
  threads?: number;
  /**
   * Kernel tuning at compile (default 'off': fixed rules, so results never depend on timing): wasm times its
   * convolution algorithms, WebGPU its GEMM tilings and split-K factors; choices persist in the adapter's cache.
   */
  tune?: TuneMode;
}

export interface BackendEntry {
  /** One line on what the backend is for. */
  readonly summary: string;
  create(options?: BackendChoiceOptions): Promise<Backend>;
}

export const BACKENDS: Record<string, BackendEntry> = {
  reference: {
    summary: 'plain TypeScript, float64: the numeric oracle (slow)',
    create: async () => new ReferenceBackend(),
  },
  webgpu: {
    summary: 'WebGPU through Dawn (Node) or navigator.gpu: the plan compiled to fixed pipelines, one submit per step; on a software adapter (SwiftShader) correct but slow',
    create: (o = {}) => {
      const key = o.tune ?? 'off';
      let made = webgpuBackends.get(key);
      if (!made) {
        made = createWebGpuBackend(key);
        made.catch(() => webgpuBackends.delete(key));
        webgpuBackends.set(key, made);
      }
      return made;
    },
  },
  wasm: {
    summary: 'WebAssembly SIMD (relaxed-SIMD FMA where available) on all cores',
    create: (o = {}) => {
      const key = `${o.threads ?? 'auto'}|${o.tune ?? 'off'}`;
      let made = wasmBackends.get(key);
      if (!made) {
        made = import('@dogo/node').then((m) => m.createNodeWasmBackend({ threads: o.threads ?? 'auto', tune: o.tune ?? 'off' }));
        made.catch(() => wasmBackends.delete(key));
        wasmBackends.set(key, made);
      }
      return made;
    },
  },
};

/** One wasm runtime (memory and worker threads) per process, thread count and tune mode, made on first use. */
const wasmBackends = new Map<string, Promise<Backend>>();

/** One WebGPU device (and backend, sharing its pipeline cache) per process and tune mode, made on first use. */
const webgpuBackends = new Map<string, Promise<Backend>>();

async function createWebGpuBackend(tune: TuneMode): Promise<Backend> {
  const { requestNodeGpuDevice, nodeTuningCache } = await import('@dogo/node');
  const { WebGpuBackend } = await import('@dogo/backend-webgpu');
  const handle = await requestNodeGpuDevice({ optionalFeatures: ['timestamp-query'] });
  return new WebGpuBackend(handle.device, { adapterName: handle.info.name, adapter: handle.info, tune, tuningCache: nodeTuningCache() });
}

export async function createBackend(name: string, options: BackendChoiceOptions = {}): Promise<Backend> {
  const entry = BACKENDS[name];
  if (!entry) throw new UnknownBackendError(`unknown backend "${name}"; choose one of: ${Object.keys(BACKENDS).join(', ')}`);
  return entry.create(options);
}

/**
 * One backend instance per model, for members apart (`--backend wasm,wasm`, `webgpu,wasm`): each wasm entry its
 * own runtime (its own 4 GiB memory and worker threads), each WebGPU entry its own GPUDevice. Dawn does not
 * list adapters, so the first WebGPU member asks for the high-performance adapter and the next ones for the
 * low-power one: the discrete and the integrated GPU where a machine has both. `auto` entries resolve as for
 * one backend. Each backend comes with the reason it was chosen.
 */
export async function selectMemberBackends(names: readonly string[], o: BackendChoiceOptions = {}): Promise<{ backend: Backend; reason: string }[]> {
  const out: { backend: Backend; reason: string }[] = [];
  let gpus = 0;
  for (const requested of names) {
    const name = requested === 'auto' ? (await selectBackend('auto', o)).backend.name : requested;
    const why = requested === 'auto' ? 'auto' : 'chosen with --backend';
    if (name === 'wasm') {
      const { createNodeWasmBackend } = await import('@dogo/node');
      out.push({ backend: await createNodeWasmBackend({ threads: o.threads ?? 'auto', tune: o.tune ?? 'off' }), reason: `${why}; a wasm runtime of its own` });
    } else if (name === 'webgpu') {
      const { requestNodeGpuDevice, nodeTuningCache } = await import('@dogo/node');
      const { WebGpuBackend } = await import('@dogo/backend-webgpu');
      const powerPreference = gpus++ === 0 ? 'high-performance' : 'low-power';
      const handle = await requestNodeGpuDevice({ powerPreference, optionalFeatures: ['timestamp-query'] });
      const backend = new WebGpuBackend(handle.device, { adapterName: handle.info.name, adapter: handle.info, tune: o.tune ?? 'off', tuningCache: nodeTuningCache() });
      out.push({ backend, reason: `${why}; a device of its own on "${handle.info.description || handle.info.name}" (${powerPreference})` });
    } else {
      out.push({ backend: await createBackend(name, o), reason: why });
    }
  }
  return out;
}

/**
 * Resolves a --backend name. `auto` picks WebGPU only on a hardware adapter (a software adapter such as
 * SwiftShader runs on the CPU, far slower than wasm), else wasm; each choice comes with the reason.
 */
export async function selectBackend(name: string, o: BackendChoiceOptions = {}): Promise<{ backend: Backend; reason: string }> {
  if (name !== 'auto') return { backend: await createBackend(name, o), reason: 'chosen with --backend' };
  const reasons: string[] = [];
  if (BACKENDS['webgpu']) {
    try {
      const { requestNodeGpuDevice } = await import('@dogo/node');
      const handle = await requestNodeGpuDevice({ requireHardware: true });
      handle.device.destroy();
      return { backend: await createBackend('webgpu', o), reason: `auto: hardware WebGPU adapter "${handle.info.description || handle.info.name}"` };
    } catch (e) {
      // Software adapters (SwiftShader) are refused here on purpose: they run on the CPU, slower than wasm.
      reasons.push(`no hardware WebGPU adapter (${e instanceof Error && e.name === 'NoAdapterError' ? 'software adapters such as SwiftShader are not used for training' : (e as Error).message.split('\n')[0]})`);
    }
  }
  if (BACKENDS['wasm']) return { backend: await createBackend('wasm', o), reason: `auto: ${[...reasons, 'wasm is the fastest CPU path'].join('; ')}` };
  reasons.push('the wasm backend is not built into this version');
  return { backend: await createBackend('reference'), reason: `auto: ${reasons.join('; ')}; the reference backend is slow` };
}
