/**
 * WebGpuBackend: the core Backend interface on any GPUDevice (Dawn on Node, navigator.gpu in browsers).
 * compile() plans the step with this backend's fusion rules (WEBGPU_FUSION_RULES) and turns the Plan into
 * a WebGpuExecutable: fixed buffers and prepared dispatches, replayed with one submit per run. One
 * KernelRunner per backend, so executables compiled by one backend share their pipelines. With tuning on,
 * the GEMM-shaped steps' tilings, split-K factors and stride-phase choices are timed on this device first
 * (tuning/kernel_tuner.ts). Does not obtain a device: the platform adapters (@dogo/node, @dogo/browser) do.
 */
import {
  MemoryTuningCache, createPlan, type Backend, type CompileSpec, type FusionRules, type MemoryBudget, type Plan, type PlanOptions, type PlanSpec, type TuneMode, type TuningCache,
} from '@dogo/core';
import { KernelRunner } from '../kernel_runner.js';
import { tuneKernels, type AdapterIdentity, type WebGpuTuningOptions } from '../tuning/kernel_tuner.js';
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
   * Kernel tuning at compile: 'off' (default) the fixed rules (chooseGemmTiling, chooseSplitK, stride phases
   * for strided input gradients); 'quick' / 'full' time candidates per GEMM shape on this device and keep the
   * fastest, through `tuningCache`.
   */
  readonly tune?: TuneMode;
  /** Where tuned choices are kept (default: in memory, per backend); @dogo/node and @dogo/browser persist them. */
  readonly tuningCache?: TuningCache;
  /** The adapter in cache keys (default: the device's adapterInfo); the adapters pass their GpuDeviceInfo. */
  readonly adapter?: AdapterIdentity;
  /** Milliseconds of one timed run of a candidate (tests inject a clock). */
  readonly measure?: WebGpuTuningOptions['measure'];
  /**
   * Device memory new executables may take, in bytes (default: no total limit). WebGPU does not tell how much
   * memory a device has; give this to make chunked steps and recomputation fit a smaller GPU.
   */
  readonly memoryBytes?: number;
}

function adapterInfoOf(device: GPUDevice): Partial<GPUAdapterInfo> {
  return (device as { adapterInfo?: Partial<GPUAdapterInfo> }).adapterInfo ?? {};
}

function adapterNameOf(device: GPUDevice): string {
  const info = adapterInfoOf(device);
  return info.description || [info.vendor, info.architecture].filter(Boolean).join(' ') || 'this WebGPU device';
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
    const info = adapterInfoOf(device);
    this.tuning = {
      mode: options.tune ?? 'off',
      cache: options.tuningCache ?? new MemoryTuningCache(),
      adapter: options.adapter ?? { vendor: info.vendor ?? '', architecture: info.architecture ?? '', device: info.device ?? '', description: info.description ?? '' },
      ...(options.measure ? { measure: options.measure } : {}),
    };
  }

  private readonly tuning: WebGpuTuningOptions;

  plan(spec: PlanSpec & { planOptions?: PlanOptions }): Plan {
    return createPlan(spec, { ...spec.planOptions, fusion: this.fusion });
  }

  /** Compiles `spec`; compiles of one backend run one at a time (their validation error scopes must not interleave). */
  compile(spec: CompileSpec): Promise<WebGpuExecutable> {
    const next = this.compiling.then(async () => {
      const plan = spec.plan ?? this.plan(spec);
      const choices = await tuneKernels(this.runner, plan, this.tuning);
      const exe = await compilePlan(this.runner, plan, spec, { adapterName: this.options.adapterName ?? adapterNameOf(this.device), choices });
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
