/**
 * Fused steps to launches of the `fused` kernel (tools/wat/fused.mjs): the step's program (fused_program.ts)
 * with operand addresses, its iteration shape collapsed to at most four dims (dims whose strides agree for
 * every operand merge; a higher rank runs as several launches over the leading dims), reduction outputs
 * initialised and, on several threads, accumulated in per-thread staging buffers that are combined after
 * the launch. Internal to the backend.
 */
import { groupProgram, type FusedStep, type Shape } from '@dogo/core';
import { FUSED_OPCODES } from '../kernels.gen.js';
import { fusedThreads } from '../runtime/fused.js';
import type { EmitEnv } from './emit_env.js';
import { buildFusedProgram, type Slot } from './fused_program.js';

/** A region holding one float: a numeric attribute read as a scalar operand. */
function constantAt(env: EmitEnv, value: number): number {
  const at = env.alloc(4);
  env.rt.memoryF32()[at / 4] = value;
  return at;
}

/** Merges dims whose strides agree for every operand; drops dims of size 1. */
function collapse(shape: Shape, strides: number[][]): { dims: number[]; strides: number[][] } {
  const dims: number[] = [];
  const out: number[][] = strides.map(() => []);
  let prev = -1;
  shape.forEach((d, ax) => {
    if (d === 1) return;
    if (prev >= 0 && strides.every((st) => st[prev]! === st[ax]! * d)) {
      dims[dims.length - 1]! *= d;
      strides.forEach((st, k) => (out[k]![out[k]!.length - 1] = st[ax]!));
    } else {
      dims.push(d);
      strides.forEach((st, k) => out[k]!.push(st[ax]!));
    }
    prev = ax;
  });
  return { dims, strides: out };
}

/** Records the launches of a fused step: initialise reduction outputs, then one fused launch per leading index. */
export function emitFused(env: EmitEnv, step: FusedStep): void {
  const p = buildFusedProgram(groupProgram(env.plan.values, env.plan.storage, step));
  const bases = p.operands.map((o) => ('owner' in o.source ? env.addr(o.source.owner) : constantAt(env, o.source.constant)));
  const { dims, strides } = collapse(p.shape, p.operands.map((o) => [...o.strides]));
  while (dims.length < 4) {
    dims.unshift(1);
    strides.forEach((st) => st.unshift(0));
  }
  const lead = dims.length - 4;
  const inner = dims.slice(lead) as [number, number, number, number];
  const kindOf = (s: Slot) => ('reg' in s || strides[s.op]![dims.length - 1] !== 0 ? 'v' : 's');
  const code: number[] = [];
  for (const ins of p.instrs) {
    let name: string;
    if (ins.name === 'store') name = `store.${kindOf(ins.a)}`;
    else if (ins.name === 'radd' || ins.name === 'rmax') name = `${ins.name}.${kindOf(ins.dst)}${kindOf(ins.a)}`;
    else name = `${ins.name}.${kindOf(ins.a)}${ins.b ? kindOf(ins.b) : ''}`;
    const opc = (FUSED_OPCODES as Record<string, number>)[name];
    if (opc === undefined) throw new Error(`fused program: no opcode ${name} (rebuild the kernels: tools/wat/build-kernels.mjs)`);
    const slotNo = (s: Slot | undefined) => (s === undefined ? 0 : 'reg' in s ? p.operands.length + s.reg : s.op);
    code.push(opc, slotNo(ins.dst), slotNo(ins.a), slotNo(ins.b));
  }
  // threads split a dim that every reduction output keeps
  const reduceOuts = p.operands.map((o, k2) => (o.init !== undefined ? k2 : -1)).filter((k2) => k2 >= 0);
  const cands = [0, 1, 2, 3].filter((d) => inner[d]! > 1 && reduceOuts.every((k2) => strides[k2]![lead + d] !== 0));
  const threads = env.rt.threads;
  const splitDim = cands.find((d) => inner[d]! >= threads) ?? cands.sort((a, b) => inner[b]! - inner[a]!)[0] ?? -1;

  const { rt } = env;
  // Reductions on several threads accumulate into per-thread staging buffers (threads own disjoint output
  // elements, but neighbouring ones share cache lines), combined after the launch.
  const T = fusedThreads(threads, inner, splitDim);
  const outs = p.operands.map((o, k2) => ({ o, k2 })).filter(({ o }) => o.init !== undefined);
  const staged = T > 1 && outs.length > 0;
  const stage = new Map<number, number[]>();
  for (const { o, k2 } of outs) {
    const staging = staged ? Array.from({ length: T }, () => env.alloc(o.size * 4)) : [bases[k2]!];
    stage.set(k2, staging);
    const init = o.init!;
    const ranges = staging.map((b) => [b / 4, b / 4 + o.size] as const);
    rt.host('fill', () => { const f = rt.memoryF32(); for (const [from, to] of ranges) f.fill(init, from, to); });
  }
  const leadDims = dims.slice(0, lead);
  const count = leadDims.reduce((a, b) => a * b, 1);
  for (let li = 0; li < count; li++) {
    // element offset of this leading index in each operand
    let rem = li;
    const offs = p.operands.map(() => 0);
    for (let d = lead - 1; d >= 0; d--) {
      const q = rem % leadDims[d]!;
      rem = (rem - q) / leadDims[d]!;
      strides.forEach((st, k2) => (offs[k2]! += q * st[d]!));
    }
    const descs: number[] = [];
    for (let t = 0; t < (staged ? T : 1); t++) {
      const bytes = 64 + 32 * p.operands.length + 16 * p.instrs.length;
      const desc = env.alloc(bytes);
      descs.push(desc);
      const words = rt.memoryI32();
      const w = desc / 4;
      words.fill(0, w, w + bytes / 4);
      words[w] = p.operands.length;
      words[w + 1] = p.instrs.length;
      words[w + 2] = p.regs;
      p.operands.forEach((o, k2) => {
        const b = w + 16 + 8 * k2;
        const st = strides[k2]!;
        const base = stage.get(k2)?.[t] ?? bases[k2]!;
        words[b] = base + 4 * offs[k2]!;
        words[b + 1] = st[lead]!;
        words[b + 2] = st[lead + 1]!;
        words[b + 3] = st[lead + 2]!;
        words[b + 4] = st[lead + 3]!;
        if (st[lead + 3]! !== 0 && st[lead + 3]! !== 1) throw new Error(`fused program: inner stride ${st[lead + 3]}`);
      });
      words.set(code, w + 16 + 8 * p.operands.length);
    }
    rt.fused({ descs, dims: inner, splitDim });
  }
  if (staged) {
    for (const { o, k2 } of outs) {
      const out = bases[k2]! / 4, n = o.size, max = o.init === -Infinity;
      const parts = stage.get(k2)!.map((b) => b / 4);
      rt.host('combine', () => {
        const f = rt.memoryF32();
        for (let e = 0; e < n; e++) {
          let acc = f[parts[0]! + e]!;
          for (let t = 1; t < parts.length; t++) {
            const x = f[parts[t]! + e]!;
            acc = max ? (x > acc || x !== x ? x : acc) : acc + x;
          }
          f[out + e] = acc;
        }
      });
    }
  }
}
