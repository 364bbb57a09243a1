/**
 * Compiles a core Plan for one GPUDevice: fuses pointwise trees and plans slots (fuse_pointwise.ts),
 * checks buffer sizes against the device limits, creates one buffer per slot and per leaf (constants and
 * fills uploaded once), two shared scratch buffers, one staging buffer per fetch, then builds every
 * value's launches from the op table (op_kernels.ts), compiles the pipelines in parallel and prepares
 * each dispatch (pipeline, bind group, uniforms) once. Errors name the op and the node (OpKernelError) or
 * the limit (AdapterLimitError). Internal to the backend.
 */
import { FeedError, bytesPerElement, type CompileSpec, type Feed, type Plan, type PlanValue, checkFeed } from '@dogo/core';
import { fusedPointwiseKernel, type FusedTerm, type UnaryWgslOp, type BinaryWgslOp } from '@dogo/shaders-tensor';
import { AdapterLimitError } from '../device.js';
import type { CopyCommand, KernelRunner, PreparedDispatch } from '../kernel_runner.js';
import { OpKernelError } from './errors.js';
import { OP_KERNELS, type BufferRef, type KernelLaunch, type Launch } from './op_kernels.js';
import { fusePointwise, scalarValue, scheduleOf, type FusedGroup, type Schedule } from './fuse_pointwise.js';
import { WebGpuExecutable, type FetchTarget } from './executable.js';

const MAP_READ_USAGE = 0x1 | 0x8; // MAP_READ | COPY_DST

export interface CompileOptions {
  readonly fusePointwise: boolean;
  /** Adapter name for limit errors. */
  readonly adapterName: string;
}

function bytesOf(v: PlanValue): number {
  return v.size * bytesPerElement(v.dtype);
}

/** The single launch of a fused group: its tree as terms for the fused_pointwise generator. */
function fusedLaunch(plan: Plan, g: FusedGroup): KernelLaunch {
  const terms: FusedTerm[] = [];
  const inputTerm = new Map<string, number>();
  g.inputs.forEach((x, k) => inputTerm.set(`${x.value}:${x.shape.join(',')}`, terms.push({ input: k }) - 1));
  const termOf = new Map<number, number>();
  g.scalars.forEach((u, k) => termOf.set(u, terms.push({ scalar: k }) - 1));
  const members = new Set(g.members);
  // An argument is a member's term, a scalar, or an input buffer seen with its own shape or a view's.
  const arg = (i: number, viewShape?: readonly number[]) =>
    members.has(i) || termOf.has(i) ? termOf.get(i)! : inputTerm.get(`${i}:${(viewShape ?? plan.values[i]!.shape).join(',')}`)!;
  for (const m of g.members) {
    const v = plan.values[m]!;
    if (v.op === 'reshape') {
      termOf.set(m, arg(v.inputs[0]!, v.shape));
      continue;
    }
    const args = v.inputs.map((i) => arg(i));
    const term: FusedTerm =
      args.length === 2 ? { op: v.op as BinaryWgslOp, args: [args[0]!, args[1]!] } : { op: v.op === 'stop_gradient' ? 'copy' : (v.op as UnaryWgslOp), args: [args[0]!] };
    termOf.set(m, terms.push(term) - 1);
  }
  const root = plan.values[g.root]!;
  const kernel = fusedPointwiseKernel(terms, {
    out: root.shape,
    inputs: g.inputs.map((x) => x.shape),
    scalars: g.scalars.map((u) => scalarValue(plan.values[u]!)!),
  });
  const buffers: Record<string, BufferRef> = { out: { value: g.root } };
  g.inputs.forEach((x, k) => (buffers[`in${k}`] = { value: x.value }));
  return { kernel, buffers };
}

/** Every value's launches, in schedule order, and the scratch sizes they need. */
function buildLaunches(plan: Plan, schedule: Schedule): { perStep: { v: PlanValue; launches: Launch[] }[]; scratch: [number, number] } {
  const scratch: [number, number] = [0, 0];
  const perStep = schedule.steps.map((i) => {
    const v = plan.values[i]!;
    if (v.size === 0) return { v, launches: [] };
    try {
      const g = schedule.groups.get(i);
      if (g) return { v, launches: [fusedLaunch(plan, g)] };
      const entry = OP_KERNELS[v.op];
      if (entry === 'leaf') throw new Error(`leaf op "${v.op}" scheduled as a computation`);
      const launches = entry({
        v,
        ins: v.inputs.map((k) => plan.values[k]!),
        scratch: (k, elements) => {
          scratch[k] = Math.max(scratch[k], elements * 4);
          return { scratch: k };
        },
      });
      return { v, launches };
    } catch (e) {
      throw OpKernelError.of(v, e);
    }
  });
  return { perStep, scratch };
}

function checkLimits(device: GPUDevice, plan: Plan, schedule: Schedule, adapterName: string): void {
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
    const s = schedule.slot[v.index]!;
    if (s >= 0 && bytesOf(v) > (holder.get(s) ? bytesOf(holder.get(s)!) : -1)) holder.set(s, v);
    if (v.kind !== 'compute') check(bytesOf(v), `${v.kind} ${v.node}`);
  }
  schedule.slotBytes.forEach((bytes, s) => check(bytes, `buffer slot ${s} (largest value ${holder.get(s)?.node ?? '?'})`));
}

function leafData(v: PlanValue, initial: Readonly<Record<string, Feed>>): ArrayBufferView | null {
  if (v.op === 'constant') return v.attrs['data'] as Float32Array | Int32Array;
  if (v.op === 'fill') return v.dtype === 'int32' ? new Int32Array(v.size).fill(v.attrs['value'] as number) : new Float32Array(v.size).fill(v.attrs['value'] as number);
  if (v.kind === 'state') {
    const feed = initial[v.attrs['name'] as string];
    if (feed === undefined) return null;
    const data = checkFeed('initial state', v, feed);
    return data instanceof Float64Array ? Float32Array.from(data) : data;
  }
  return null;
}

/** Compiles `spec` for `runner`'s device. */
export async function compilePlan(runner: KernelRunner, plan: Plan, spec: CompileSpec, options: CompileOptions): Promise<WebGpuExecutable> {
  const initial = spec.initialState ?? {};
  for (const name of Object.keys(initial)) {
    if (!plan.states.has(name)) throw new FeedError(`initial state "${name}" names no state this step reads or updates`);
  }
  const groups = options.fusePointwise ? fusePointwise(plan) : [];
  const schedule = scheduleOf(plan, groups, spec.planOptions?.alignment ?? 256);
  checkLimits(runner.device, plan, schedule, options.adapterName);
  const { perStep, scratch } = buildLaunches(plan, schedule);

  const owned: GPUBuffer[] = [];
  const own = (b: GPUBuffer) => (owned.push(b), b);
  const prepared: PreparedDispatch[] = [];
  try {
    const slotBuffers = schedule.slotBytes.map((bytes, s) => own(runner.createBuffer(bytes, `slot ${s}`)));
    const leafBuffers = new Map<number, GPUBuffer>();
    for (const v of plan.values) {
      if (v.kind === 'compute') continue;
      const label = v.kind === 'constant' ? `${v.op} #${v.index}` : `${v.kind} ${v.attrs['name'] as string}`;
      const data = leafData(v, initial);
      leafBuffers.set(v.index, own(data && data.byteLength > 0 ? runner.upload(data, label) : runner.createBuffer(bytesOf(v), label)));
    }
    const scratchBuffers = scratch.map((bytes, k) => (bytes > 0 ? own(runner.createBuffer(bytes, `scratch ${k}`)) : null));
    const bufferOf = (r: BufferRef): GPUBuffer => {
      if ('scratch' in r) return scratchBuffers[r.scratch]!;
      const v = plan.values[r.value]!;
      return v.kind === 'compute' ? slotBuffers[schedule.slot[r.value]!]! : leafBuffers.get(r.value)!;
    };

    // Pipelines compile in parallel (cached by WGSL text); bind groups are made one by one below.
    await Promise.all(perStep.flatMap(({ v, launches }) => launches.flatMap((l) => ('kernel' in l ? [runner.pipeline(l.kernel).catch((e: unknown) => Promise.reject(OpKernelError.of(v, e)))] : []))));

    const steps: (PreparedDispatch | CopyCommand)[] = [];
    const stepLabels: string[] = [];
    for (const { v, launches } of perStep) {
      for (const l of launches) {
        if ('copy' in l) {
          if (l.copy.bytes > 0) steps.push({ copy: { from: bufferOf(l.copy.from), to: bufferOf(l.copy.to), size: l.copy.bytes } });
          stepLabels.push('copy');
          continue;
        }
        const buffers: Record<string, GPUBuffer> = {};
        for (const [name, r] of Object.entries(l.buffers)) buffers[name] = bufferOf(r);
        runner.device.pushErrorScope('validation');
        let d: PreparedDispatch;
        try {
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
      }
    }

    const fetches = new Map<string, FetchTarget>();
    for (const [name, i] of plan.outputs) {
      const v = plan.values[i]!;
      const staging = own(runner.createBuffer(Math.max(4, bytesOf(v)), `fetch ${name}`, MAP_READ_USAGE));
      fetches.set(name, { value: i, staging, copy: bytesOf(v) > 0 ? { copy: { from: bufferOf({ value: i }), to: staging, size: bytesOf(v) } } : null });
    }

    // A state updated to another state's old value goes through a temporary first, so the order of
    // the update copies cannot matter (a swap of two states stays a swap).
    const first: CopyCommand[] = [];
    const then: CopyCommand[] = [];
    for (const [name, i] of plan.updates) {
      const target = plan.states.get(name)!;
      const v = plan.values[i]!;
      if (i === target || bytesOf(v) === 0) continue;
      if (v.kind === 'state') {
        const temp = own(runner.createBuffer(bytesOf(v), `update ${name}`));
        first.push({ copy: { from: bufferOf({ value: i }), to: temp, size: bytesOf(v) } });
        then.push({ copy: { from: temp, to: leafBuffers.get(target)!, size: bytesOf(v) } });
      } else {
        then.push({ copy: { from: bufferOf({ value: i }), to: leafBuffers.get(target)!, size: bytesOf(v) } });
      }
    }
    return new WebGpuExecutable({ plan, runner, steps, stepLabels, leafBuffers, fetches, updates: [...first, ...then], owned });
  } catch (e) {
    for (const b of owned) b.destroy();
    for (const d of prepared) d.uniformBuffer?.destroy();
    throw e;
  }
}
