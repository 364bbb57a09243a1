/**
 * Backends by name, loaded lazily so a machine without a GPU never loads Dawn. The one place the CLI
 * maps a name to a backend; `dogo info` and the conformance runner read the same table.
 */
import { ReferenceBackend, type Backend, DogoError } from '@dogo/core';

export class UnknownBackendError extends DogoError {}

export interface BackendEntry {
  /** One line on what the backend is for. */
  readonly summary: string;
  create(): Promise<Backend>;
}

export const BACKENDS: Record<string, BackendEntry> = {
  reference: {
    summary: 'plain TypeScript, float64: the numeric oracle (slow)',
    create: async () => new ReferenceBackend(),
  },
};

export async function createBackend(name: string): Promise<Backend> {
  const entry = BACKENDS[name];
  if (!entry) throw new UnknownBackendError(`unknown backend "${name}"; choose one of: ${Object.keys(BACKENDS).join(', ')}`);
  return entry.create();
}

export interface BackendChoiceOptions {
  threads?: number;
}

/**
 * Resolves a --backend name. `auto` picks WebGPU only on a hardware adapter (a software adapter such as
 * SwiftShader runs on the CPU, far slower than wasm), else wasm; each choice comes with the reason.
 */
export async function selectBackend(name: string, _o: BackendChoiceOptions = {}): Promise<{ backend: Backend; reason: string }> {
  if (name !== 'auto') return { backend: await createBackend(name), reason: 'chosen with --backend' };
  const reasons: string[] = [];
  if (BACKENDS['webgpu']) {
    try {
      const { requestNodeGpuDevice } = await import('@dogo/node');
      const handle = await requestNodeGpuDevice({ requireHardware: true });
      handle.device.destroy();
      return { backend: await createBackend('webgpu'), reason: `auto: hardware WebGPU adapter "${handle.info.description || handle.info.name}"` };
    } catch (e) {
      reasons.push(`no hardware WebGPU adapter (${(e as Error).message.split('\n')[0]})`);
    }
  }
  if (BACKENDS['wasm']) return { backend: await createBackend('wasm'), reason: `auto: ${[...reasons, 'wasm is the fastest CPU path'].join('; ')}` };
  reasons.push('the wasm backend is not built into this version');
  return { backend: await createBackend('reference'), reason: `auto: ${reasons.join('; ')}; the reference backend is slow` };
}
