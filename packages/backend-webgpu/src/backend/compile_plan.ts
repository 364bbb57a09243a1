/**
 * Compiles a core Plan for one GPUDevice. The plan already says what runs (its steps), which values own
 * storage (views share their source's) and which slot each stored value takes; this file only turns that
 * into device objects: it checks buffer sizes against the device limits, creates one buffer per slot and
 * per leaf (constants and fills uploaded once; a state shared with another executable uses that one's buffer), two shared scratch buffers and one staging buffer per
 * fetch, builds each step's launches (fused steps: fused_launch.ts; kernel steps: the op table,
 * op_kernels.ts), compiles the pipelines in parallel and prepares each dispatch (pipeline, bind group,
 * uniforms) once. Views cost nothing: every buffer is looked up through its value's storage owner.
 * Errors name the op and the node (OpKernelError) or the limit (AdapterLimitError). Internal to the backend.
 */
import { FeedError, attrsOf, bytesPerElement, checkFeed, sharedStateOwner, type CompileSpec, type Feed, type Plan, type PlanValue, type Step } from '@dogo/core';
import { AdapterLimitError } from '../device.js';
import type { CopyCommand, KernelRunner, PreparedDispatch } from '../kernel_runner.js';
import { OpKernelError } from './errors.js';
import { fusedLaunch } from './fused_launch.js';
import type { BufferRef, Launch } from './launch.js';
import { OP_KERNELS, isKernelStepOp } from './op_kernels.js';
import { WebGpuExecutable, type FetchTarget, type StepInfo } from './executable.js';
import { choiceName } from '../tuning/gemm_choice.js';
import type { KernelStepChoice } from '../tuning/kernel_tuner.js';

const MAP_READ_USAGE = 0x1 | 0x8; // MAP_READ | COPY_DST

export interface CompileOptions {
  /** Adapter name for limit errors. */
  readonly adapterName: string;
  /** The variant of every tunable step (tuning/kernel_tuner.ts); a 'rule' choice runs the kernels' defaults. */
  readonly choices?: readonly KernelStepChoice[];
}

function bytesOf(v: PlanValue): number {
  return v.size * bytesPerElement(v.dtype);
}

/** The value a step writes, for error messages. */
function stepValue(plan: Plan, step: Step): PlanValue {
  return plan.values[step.kind === 'kernel' ? step.value : step.roots[0]!]!;
}

/** A step's kernel kind for profiles: the op of a kernel step, 'fused pointwise' for a fused one. */
function kindOf(plan: Plan, step: Step): string {
  if (step.kind === 'fused') return 'fused pointwise';
  const op = plan.values[step.value]!.op;
  return ['transpose', 'slice', 'pad', 'concat', 'broadcast_to'].includes(op) ? 'copy' : op;
}

/** Every step's launches, in order, and the scratch sizes they need. */
function buildLaunches(plan: Plan, choices: ReadonlyMap<number, KernelStepChoice>): { perStep: { v: PlanValue; step: Step; launches: Launch[] }[]; scratch: [number, number] } {
  const scratch: [number, number] = [0, 0];
  const perStep = plan.steps.map((step) => {
    const v = stepValue(plan, step);
    if (v.size === 0) return { v, step, launches: [] };
    try {
      if (step.kind === 'fused') return { v, step, launches: [fusedLaunch(plan, step)] };
      if (!isKernelStepOp(v.op)) throw new Error(`the plan runs "${v.op}" as a kernel step, which the WebGPU op table does not serve (are WEBGPU_FUSION_RULES passed to createPlan?)`);
      const tuned = choices.get(v.index);
      const launches = OP_KERNELS[v.op]({
        v,
        ins: v.inputs.map((k) => plan.values[k]!),
        scratch: (k, elements) => {
          scratch[k] = Math.max(scratch[k], elements * 4);
          return { scratch: k };
        },
        ...(tuned && tuned.source !== 'rule' ? { choice: tuned.choice } : {}),
      });
      return { v, step, launches };
    } catch (e) {
      throw OpKernelError.of(v, e);
    }
  });
  return { perStep, scratch };
}

function checkLimits(device: GPUDevice, plan: Plan, adapterName: string): void {
  const maxBinding = device.limits.maxStorageBufferBindingSize;
  const maxBuffer = device.limits.maxBufferSize;
  const check = (bytes: number, what: string) => {
    for (const [limit, available] of [['maxStorageBufferBindingSize', maxBinding], ['maxBufferSize', maxBuffer]] as const) {
      if (bytes > available) {
        const e = new AdapterLimitError(limit, bytes, available, adapterName);
        e.message = `${what} needs ${bytes} bytes: ${e.message}`;
        throw e;
      }
    }
  };
  const holder = new Map<number, PlanValue>();
  for (const v of plan.values) {
    const s = plan.slot[v.index]!;
    if (s >= 0 && bytesOf(v) > (holder.get(s) ? bytesOf(holder.get(s)!) : -1)) holder.set(s, v);
    if (v.kind !== 'compute') check(bytesOf(v), `${v.kind} ${v.node}`);
  }
  plan.slotBytes.forEach((bytes, s) => check(bytes, `buffer slot ${s} (largest value ${holder.get(s)?.node ?? '?'})`));
}

function leafData(v: PlanValue, initial: Readonly<Record<string, Feed>>): ArrayBufferView | null {
  if (v.op === 'constant') return attrsOf(v, 'constant').data;
  if (v.op === 'fill') {
    const value = attrsOf(v, 'fill').value;
    return v.dtype === 'int32' ? new Int32Array(v.size).fill(value) : new Float32Array(v.size).fill(value);
  }
  if (v.kind === 'state') {
    const feed = initial[v.name!];
    if (feed === undefined) return null;
    const data = checkFeed('initial state', v, feed);
    return data instanceof Float64Array ? Float32Array.from(data) : data;
  }
  return null;
}

/** Compiles `plan` (made by createPlan with WEBGPU_FUSION_RULES) for `runner`'s device. */
export async function compilePlan(runner: KernelRunner, plan: Plan, spec: CompileSpec, options: CompileOptions): Promise<WebGpuExecutable> {
  const initial = spec.initialState ?? {};
  for (const name of Object.keys(initial)) {
    if (!plan.states.has(name)) throw new FeedError(`initial state "${name}" names no state this step reads or updates`);
  }
  checkLimits(runner.device, plan, options.adapterName);
  const choices = new Map((options.choices ?? []).map((c) => [c.value, c]));
  const { perStep, scratch } = buildLaunches(plan, choices);

  const owned: GPUBuffer[] = [];
  const own = (b: GPUBuffer) => (owned.push(b), b);
  const prepared: PreparedDispatch[] = [];
  try {
    const slotBuffers = plan.slotBytes.map((bytes, s) => own(runner.createBuffer(bytes, `slot ${s}`)));
    const leafBuffers = new Map<number, GPUBuffer>();
    for (const v of plan.values) {
      if (v.kind === 'compute') continue;
      const sharer = v.kind === 'state'
        ? sharedStateOwner(spec, v, (e): e is WebGpuExecutable => e instanceof WebGpuExecutable && e.device === runner.device, 'webgpu') : undefined;
      if (sharer) { leafBuffers.set(v.index, sharer.stateBuffer(v.name!)); continue; }
      const label = v.kind === 'constant' ? `${v.op} #${v.index}` : `${v.kind} ${v.name!}`;
      const data = leafData(v, initial);
      leafBuffers.set(v.index, own(data && data.byteLength > 0 ? runner.upload(data, label) : runner.createBuffer(bytesOf(v), label)));
    }
    const scratchBuffers = scratch.map((bytes, k) => (bytes > 0 ? own(runner.createBuffer(bytes, `scratch ${k}`)) : null));
    /** The buffer holding value `i`: its storage owner's (a view's source's), a slot or a leaf's own. */
    const storageOf = (i: number): GPUBuffer => {
      const owner = plan.storage[i]!;
      if (owner < 0) throw new Error(`${plan.values[i]!.node} lives only inside fused steps, yet something reads its buffer`);
      return plan.values[owner]!.kind === 'compute' ? slotBuffers[plan.slot[owner]!]! : leafBuffers.get(owner)!;
    };
    const bufferOf = (r: BufferRef): GPUBuffer => ('scratch' in r ? scratchBuffers[r.scratch]! : storageOf(r.value));

    // Pipelines compile in parallel (cached by WGSL text); bind groups are made one by one below.
    await Promise.all(perStep.flatMap(({ v, launches }) => launches.flatMap((l) => ('kernel' in l ? [runner.pipeline(l.kernel).catch((e: unknown) => Promise.reject(OpKernelError.of(v, e)))] : []))));

    const steps: (PreparedDispatch | CopyCommand)[] = [];
    const stepLabels: string[] = [];
    const stepInfo: StepInfo[] = [];
    for (const { v, step, launches } of perStep) {
      const tuned = choices.get(v.index);
      const info = (label: string): StepInfo => ({ kind: kindOf(plan, step), layer: v.node.label ?? '(unlabelled)', variant: tuned ? `${label} ${choiceName(tuned.choice)}` : label });
      for (const l of launches) {
        if ('copy' in l) {
          if (l.copy.bytes > 0) {
            steps.push({ copy: { from: bufferOf(l.copy.from), to: bufferOf(l.copy.to), size: l.copy.bytes } });
            stepInfo.push(info('copy'));
          }
          stepLabels.push('copy');
          continue;
        }
        runner.device.pushErrorScope('validation');
        let d: PreparedDispatch;
        try {
          const buffers: Record<string, GPUBuffer> = {};
          for (const [name, r] of Object.entries(l.buffers)) buffers[name] = bufferOf(r);
          d = await runner.prepare(l.kernel, buffers);
        } catch (e) {
          await runner.device.popErrorScope();
          throw OpKernelError.of(v, e);
        }
        prepared.push(d);
        const error = await runner.device.popErrorScope();
        if (error) throw new OpKernelError(v.op, String(v.node), `${l.kernel.label}: ${error.message}`);
        steps.push(d);
        stepLabels.push(l.kernel.label);
        stepInfo.push(info(l.kernel.label));
      }
    }

    const fetches = new Map<string, FetchTarget>();
    for (const [name, i] of plan.outputs) {
      const v = plan.values[i]!;
      const staging = own(runner.createBuffer(Math.max(4, bytesOf(v)), `fetch ${name}`, MAP_READ_USAGE));
      fetches.set(name, { value: i, staging, copy: bytesOf(v) > 0 ? { copy: { from: storageOf(i), to: staging, size: bytesOf(v) } } : null });
    }

    // An update whose elements live in a state's buffer (another state's old value, or a view of it) goes
    // through a temporary first, so the order of the update copies cannot matter (a swap stays a swap).
    // Other leaves (inputs, constants) are never written by updates: they are copied directly.
    const first: CopyCommand[] = [];
    const then: CopyCommand[] = [];
    for (const [name, i] of plan.updates) {
      const target = plan.states.get(name)!;
      const owner = plan.storage[i]!;
      const bytes = bytesOf(plan.values[i]!);
      if (owner === target || bytes === 0) continue;
      if (plan.values[owner]!.kind === 'state') {
        const temp = own(runner.createBuffer(bytes, `update ${name}`));
        first.push({ copy: { from: storageOf(i), to: temp, size: bytes } });
        then.push({ copy: { from: temp, to: leafBuffers.get(target)!, size: bytes } });
      } else {
        then.push({ copy: { from: storageOf(i), to: leafBuffers.get(target)!, size: bytes } });
      }
    }
    return new WebGpuExecutable({ plan, runner, steps, stepLabels, stepInfo, kernelChoices: options.choices ?? [], leafBuffers, fetches, updates: [...first, ...then], owned });
  } catch (e) {
    for (const b of owned) b.destroy();
    for (const d of prepared) d.uniformBuffer?.destroy();
    throw e;
  }
}
