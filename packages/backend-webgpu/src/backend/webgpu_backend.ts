/**
 * WebGpuBackend: the core Backend interface on any GPUDevice (Dawn on Node, navigator.gpu in browsers).
 * compile() plans the step with this backend's fusion rules (WEBGPU_FUSION_RULES) and turns the Plan into
 * a WebGpuExecutable: fixed buffers and prepared dispatches, replayed with one submit per run. One
 * KernelRunner per backend, so executables compiled by one backend share their pipelines. Does not obtain
 * a device: the platform adapters (@dogo/node, @dogo/browser) do.
 */
import { createPlan, type Backend, type CompileSpec, type FusionRules, type MemoryBudget, type Plan, type PlanOptions, type PlanSpec } from '@dogo/core';
import { KernelRunner } from '../kernel_runner.js';
import { compilePlan } from './compile_plan.js';
import type { WebGpuExecutable } from './executable.js';
import { WEBGPU_FUSION_RULES } from './fused_launch.js';

export interface WebGpuBackendOptions {
  /**
   * Recompute chains of pointwise ops inside the fused kernel that reads them (default true); false stores
   * every pointwise value (each still runs as a fused kernel of one op).
   */
  readonly fusePointwise?: boolean;
  /** Name of the adapter for error messages (default: the device's adapterInfo). */
  readonly adapterName?: string;
  /**
   * Device memory new executables may take, in bytes (default: no total limit). WebGPU does not tell how much
   * memory a device has; give this to make chunked steps and recomputation fit a smaller GPU.
   */
  readonly memoryBytes?: number;
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

  plan(spec: PlanSpec & { planOptions?: PlanOptions }): Plan {
    return createPlan(spec, { ...spec.planOptions, fusion: this.fusion });
  }

  /** Compiles `spec`; compiles of one backend run one at a time (their validation error scopes must not interleave). */
  compile(spec: CompileSpec): Promise<WebGpuExecutable> {
    const next = this.compiling.then(async () => {
      const plan = spec.plan ?? this.plan(spec);
      const exe = await compilePlan(this.runner, plan, spec, { adapterName: this.options.adapterName ?? adapterNameOf(this.device) });
      this.compiled.add(exe);
      return exe;
    });
    this.compiling = next.catch(() => undefined);
    return next;
  }

  /**
   * The device's buffer limits (each plan slot and leaf is one buffer, bound whole) and the memoryBytes option
   * less what this backend's executables hold; without that option no total limit.
   */
  memoryBudget(): MemoryBudget {
    const maxBufferBytes = Math.min(this.device.limits.maxStorageBufferBindingSize, this.device.limits.maxBufferSize);
    const total = this.options.memoryBytes;
    let held = 0;
    for (const e of this.compiled) {
      if (e.destroyed) this.compiled.delete(e);
      else held += e.bufferBytes;
    }
    return {
      bytes: total === undefined ? Infinity : Math.max(0, total - held), maxBufferBytes,
      source: `the device's maxStorageBufferBindingSize / maxBufferSize (${maxBufferBytes} bytes per buffer)${total === undefined ? '' : ` and memoryBytes ${total} less ${held} held`}`,
    };
  }

  /** The fusion rules this backend plans with. */
  get fusion(): FusionRules {
    return this.options.fusePointwise === false ? { ...WEBGPU_FUSION_RULES, fuse: false } : WEBGPU_FUSION_RULES;
  }

  private compiling: Promise<unknown> = Promise.resolve();
  /** Executables this backend compiled, for the memory they hold (destroyed ones are dropped on the way). */
  private readonly compiled = new Set<WebGpuExecutable>();
}
