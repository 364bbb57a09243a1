/**
 * WebGpuBackend: the core Backend interface on any GPUDevice (Dawn on Node, navigator.gpu in browsers).
 * compile() plans the step with this backend's fusion rules (WEBGPU_FUSION_RULES) and turns the Plan into
 * a WebGpuExecutable: fixed buffers and prepared dispatches, replayed with one submit per run. One
 * KernelRunner per backend, so executables compiled by one backend share their pipelines. Does not obtain
 * a device: the platform adapters (@dogo/node, @dogo/browser) do.
 */
import { BackendError, createPlan, foreignExecutableError, type Backend, type CompileSpec, type FusionRules } from '@dogo/core';
import { KernelRunner } from '../kernel_runner.js';
import { compilePlan } from './compile_plan.js';
import { WebGpuExecutable } from './executable.js';
import { WEBGPU_FUSION_RULES } from './fused_launch.js';

export interface WebGpuBackendOptions {
  /**
   * Recompute chains of pointwise ops inside the fused kernel that reads them (default true); false stores
   * every pointwise value (each still runs as a fused kernel of one op).
   */
  readonly fusePointwise?: boolean;
  /** Name of the adapter for error messages (default: the device's adapterInfo). */
  readonly adapterName?: string;
}

function adapterNameOf(device: GPUDevice): string {
  const info = (device as { adapterInfo?: Partial<GPUAdapterInfo> }).adapterInfo;
  return info?.description || [info?.vendor, info?.architecture].filter(Boolean).join(' ') || 'this WebGPU device';
}

export class WebGpuBackend implements Backend {
  readonly name = 'webgpu';
  /** The kernel runner of this backend: pipeline cache and counts of created GPU objects. */
  readonly runner: KernelRunner;

  constructor(
    readonly device: GPUDevice,
    readonly options: WebGpuBackendOptions = {},
  ) {
    this.runner = new KernelRunner(device);
  }

  /** Compiles `spec`; compiles of one backend run one at a time (their validation error scopes must not interleave). */
  compile(spec: CompileSpec): Promise<WebGpuExecutable> {
    const next = this.compiling.then(() => {
      const source = spec.shareStateWith;
      if (source !== undefined && !(source instanceof WebGpuExecutable && source.runner === this.runner)) throw foreignExecutableError('webgpu', 'the same WebGpuBackend');
      if (source?.isDestroyed) throw new BackendError('webgpu: shareStateWith names a destroyed executable');
      const plan = createPlan(spec, { ...spec.planOptions, fusion: this.fusion });
      return compilePlan(this.runner, plan, spec, { adapterName: this.options.adapterName ?? adapterNameOf(this.device) }, source);
    });
    this.compiling = next.catch(() => undefined);
    return next;
  }

  /** The fusion rules this backend plans with. */
  get fusion(): FusionRules {
    return this.options.fusePointwise === false ? { ...WEBGPU_FUSION_RULES, fuse: false } : WEBGPU_FUSION_RULES;
  }

  private compiling: Promise<unknown> = Promise.resolve();
}
