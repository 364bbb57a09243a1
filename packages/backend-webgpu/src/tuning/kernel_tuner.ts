/**
 * Tuning GEMM-shaped kernel steps on the device they run on: for each matmul / convolution step of a plan,
 * every candidate of gemm_choice.ts (tilings, split-K factors, stride-phase choices) is built through the op
 * table, run on scratch buffers of the step's sizes, timed (GpuTimer: timestamp queries where the device
 * has them, submit-and-wait otherwise; best of several runs after one untimed) and the fastest kept. Choices
 * are cached per adapter (vendor, architecture, device, description, which carries the driver version),
 * per GEMM main-loop source and per shape in an injected TuningCache; a cached choice is never re-timed.
 * Internal to the backend.
 */
import { fnv1a, sizeOf, type Plan, type PlanValue, type TuneMode, type TuningCache } from '@dogo/core';
import { WGSL } from '@dogo/shaders-tensor';
import type { KernelRunner, PreparedDispatch } from '../kernel_runner.js';
import type { BufferRef, KernelLaunch } from '../backend/launch.js';
import { OP_KERNELS } from '../backend/op_kernels.js';
import { choiceName, gemmCandidates, gemmDims, isTunable, ruleChoice, type GemmChoice, type TunableOp } from './gemm_choice.js';
import { GpuTimer, type GpuTiming } from './gpu_timer.js';

/** The adapter fields that key tuning choices. */
export interface AdapterIdentity {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
}

/** What tuning needs besides the runner. */
export interface WebGpuTuningOptions {
  readonly mode: TuneMode;
  readonly cache: TuningCache;
  readonly adapter: AdapterIdentity;
  /** Milliseconds of one timed run of a candidate; default GpuTimer (tests inject a clock). */
  readonly measure?: (choice: GemmChoice, run: () => Promise<number>) => Promise<number>;
}

/** A tunable step's variant and where it came from. */
export interface KernelStepChoice {
  /** Plan value index. */
  readonly value: number;
  readonly op: TunableOp;
  readonly label: string;
  readonly choice: GemmChoice;
  readonly source: 'rule' | 'cache' | 'timed';
  /** Best milliseconds per candidate (timed and cached choices), the rule's first. */
  readonly timings?: readonly { readonly choice: GemmChoice; readonly name: string; readonly ms: number }[];
  readonly timing?: GpuTiming | 'injected';
}

interface Cached { choice: GemmChoice; timings: { choice: GemmChoice; name: string; ms: number }[]; timing: GpuTiming | 'injected' }

const REPS: Record<Exclude<TuneMode, 'off'>, number> = { quick: 3, full: 7 };
const gemmSourceHash = fnv1a(WGSL.gemm_tiled);

/** The cache key of a step on an adapter: adapter fields, GEMM source hash, op and the shapes it reads and writes. */
export function kernelTuningKey(adapter: AdapterIdentity, v: PlanValue, ins: readonly PlanValue[]): string {
  const shapes = `${ins.map((x) => `[${x.shape.join(',')}]`).join('')}->[${v.shape.join(',')}]`;
  const attrs = JSON.stringify(v.attrs, (k, val: unknown) => (k === 'data' ? undefined : val));
  return `webgpu-gemm|${adapter.vendor}|${adapter.architecture}|${adapter.device}|${adapter.description}|wgsl ${gemmSourceHash}|${v.op}|${shapes}|${attrs}`;
}

function isCached(v: unknown): v is Cached {
  const c = v as Partial<Cached> | undefined;
  return !!c && typeof c === 'object' && !!c.choice && typeof c.choice.tiling === 'string' && Array.isArray(c.timings);
}

/** Chooses the variant of every tunable step of `plan` (one decision per distinct key, one at a time). */
export async function tuneKernels(runner: KernelRunner, plan: Plan, o: WebGpuTuningOptions): Promise<KernelStepChoice[]> {
  const out: KernelStepChoice[] = [];
  const decided = new Map<string, Omit<KernelStepChoice, 'value' | 'label'>>();
  const timer = new GpuTimer(runner.device);
  for (const step of plan.steps) {
    if (step.kind !== 'kernel') continue;
    const v = plan.values[step.value]!;
    if (!isTunable(v.op) || v.size === 0) continue;
    const ins = v.inputs.map((k) => plan.values[k]!);
    const op = v.op;
    const dims = gemmDims(v, ins);
    const label = v.node.label ?? String(v.node);
    if (o.mode === 'off') {
      out.push({ value: v.index, op, label, choice: ruleChoice(op, dims), source: 'rule' });
      continue;
    }
    const key = kernelTuningKey(o.adapter, v, ins);
    let d = decided.get(key);
    if (!d) {
      const hit = await o.cache.get(key);
      if (isCached(hit)) {
        d = { op, choice: hit.choice, source: 'cache', timings: hit.timings, timing: hit.timing };
      } else {
        const timed = await timeCandidates(runner, timer, v, ins, gemmCandidates(op, dims, o.mode), REPS[o.mode], o.measure);
        await o.cache.set(key, timed);
        d = { op, ...timed, source: 'timed' };
      }
      decided.set(key, d);
    }
    out.push({ ...d, value: v.index, label });
  }
  return out;
}

/** Builds, runs and times each candidate on scratch buffers of the step's sizes; the fastest wins (ties: the earlier). */
async function timeCandidates(runner: KernelRunner, timer: GpuTimer, v: PlanValue, ins: readonly PlanValue[], candidates: readonly GemmChoice[],
  reps: number, measure: WebGpuTuningOptions['measure']): Promise<Cached> {
  const buffers = new Map<string, GPUBuffer>();
  const bufferFor = (r: BufferRef, bytes: number): GPUBuffer => {
    const key = 'scratch' in r ? `s${r.scratch}` : `v${r.value}`;
    let b = buffers.get(key);
    if (!b || b.size < bytes) {
      b?.destroy();
      b = runner.createBuffer(bytes, `tuning ${key}`);
      buffers.set(key, b);
    }
    return b;
  };
  const values = new Map([v, ...ins].map((x) => [x.index, x]));
  const timings: Cached['timings'] = [];
  try {
    for (const choice of candidates) {
      const scratch = [0, 0];
      const launches = OP_KERNELS[v.op as TunableOp]({
        v, ins, choice,
        scratch: (k, elements) => { scratch[k] = Math.max(scratch[k]!, elements * 4); return { scratch: k }; },
      }).filter((l): l is KernelLaunch => 'kernel' in l);
      const prepared: PreparedDispatch[] = [];
      try {
        for (const l of launches) {
          const bound: Record<string, GPUBuffer> = {};
          for (const [name, r] of Object.entries(l.buffers)) {
            bound[name] = bufferFor(r, 'scratch' in r ? scratch[r.scratch]! : Math.max(4, sizeOf(values.get(r.value)!.shape) * 4));
          }
          prepared.push(await runner.prepare(l.kernel, bound));
        }
        const run = () => timer.time(prepared);
        await run();
        let best = Infinity;
        for (let r = 0; r < reps; r++) best = Math.min(best, measure ? await measure(choice, run) : await run());
        timings.push({ choice, name: choiceName(choice), ms: best });
      } finally {
        for (const d of prepared) d.uniformBuffer?.destroy();
      }
    }
  } finally {
    for (const b of buffers.values()) b.destroy();
  }
  const best = timings.reduce((a, b) => (b.ms < a.ms ? b : a));
  return { choice: best.choice, timings, timing: measure ? 'injected' : timer.method };
}
