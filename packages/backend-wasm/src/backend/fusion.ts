/**
 * Fused groups to programs of the `fused` kernel (tools/wat/fused.mjs): operands with their strides over the
 * group's iteration shape, one instruction per recomputed value, a store or a reduction per root, registers
 * by linear scan. The iteration shape collapses to at most four dims (dims whose strides agree for every
 * operand merge); a higher rank runs as several launches over the leading dims. Internal to the backend.
 */
import { FUSED_LIMITS, FUSED_OPCODES } from '../kernels.gen.js';
import { stridesOf, normalizeAxes, type PlanValue, type Shape } from '@dogo/core';
import type { WasmRuntime } from '../runtime/wasm_runtime.js';
import { fusedThreads } from '../runtime/fused.js';
import type { Kernel } from './lowering.js';
import { LOWERINGS } from './op_table.js';

/** What emitters need from the executable being compiled. */
export interface EmitEnv {
  readonly rt: WasmRuntime;
  readonly values: readonly PlanValue[];
  /** Value index -> storage owner (-1: lives only in fused programs). */
  readonly storage: Int32Array;
  /** Byte address of a storage owner's elements. */
  addr(owner: number): number;
  /** Arena bytes owned by the executable (freed by destroy). */
  alloc(bytes: number): number;
}

/** Thrown when a group needs more registers or operands than the kernel has. */
export class FusedProgramTooLargeError extends Error {
  override name = 'FusedProgramTooLargeError';
}

interface Operand {
  owner: number;
  /** Element strides over the iteration shape (0: broadcast or reduced). */
  strides: number[];
  /** Reduction output: its initial value. */
  init?: number;
  size: number;
}

type Slot = { op: number } | { reg: number };
interface Instr { name: string; dst: Slot; a: Slot; b?: Slot }

/** Strides of a contiguous `shape` read as `iter` (numpy broadcasting: shape aligned right). */
function broadcastStrides(shape: Shape, iter: Shape): number[] {
  const st = stridesOf(shape);
  const off = iter.length - shape.length;
  return iter.map((d, i) => (i < off || shape[i - off] === 1 ? 0 : st[i - off]!));
}

/** The abstract program of a fused group (no addresses): operands, instructions, register count. */
export interface FusedProgram {
  shape: Shape;
  operands: Operand[];
  instrs: Instr[];
  regs: number;
}

export function buildProgram(k: Kernel, values: readonly PlanValue[], storage: Int32Array): FusedProgram {
  const S = k.shape;
  const operands: Operand[] = [];
  const opKey = new Map<string, number>();
  const operand = (owner: number, strides: number[], size: number, init?: number): Slot => {
    const key = `${owner}|${strides.join(',')}|${init ?? ''}`;
    let idx = opKey.get(key);
    if (idx === undefined) {
      idx = operands.length;
      operands.push({ owner, strides, size, init });
      opKey.set(key, idx);
    }
    return { op: idx };
  };
  const members = new Set(k.members);
  const slotOfValue = new Map<number, Slot>();
  const slot = (i: number): Slot => {
    const known = slotOfValue.get(i);
    if (known) return known;
    const u = values[i]!;
    let s: Slot;
    if (members.has(i) && LOWERINGS[u.op].kind === 'broadcast') {
      const src = values[u.inputs[0]!]!;
      s = operand(storage[src.index]!, broadcastStrides(src.shape, S), src.size);
    } else if (members.has(i)) {
      throw new Error(`fused program: member #${i} used before it is computed`);
    } else {
      s = operand(storage[i]!, broadcastStrides(u.shape, S), u.size);
    }
    slotOfValue.set(i, s);
    return s;
  };
  const instrs: Instr[] = [];
  const roots = new Set(k.roots);
  const order = [...new Set([...k.members, ...k.roots])].sort((a, b) => a - b);
  for (const i of order) {
    const v = values[i]!;
    const low = LOWERINGS[v.op];
    if (low.kind === 'pointwise') {
      const a = slot(v.inputs[0]!);
      const b = v.inputs.length > 1 ? slot(v.inputs[1]!) : undefined;
      const dst: Slot = { reg: i };
      instrs.push({ name: low.op, dst, a, ...(b ? { b } : {}) });
      slotOfValue.set(i, dst);
      if (roots.has(i)) instrs.push({ name: 'store', dst: operand(i, stridesOf(S), v.size), a: dst });
    } else if (low.kind === 'reduce') {
      const x = values[v.inputs[0]!]!;
      const axes = normalizeAxes(v.attrs['axes'] as number[], x.shape.length);
      const kept = x.shape.map((d, ax) => (axes.includes(ax) ? 1 : d));
      const st = stridesOf(kept).map((s, ax) => (axes.includes(ax) ? 0 : s));
      const init = low.op === 'radd' ? 0 : -Infinity;
      instrs.push({ name: low.op, dst: operand(i, st, v.size, init), a: slot(x.index) });
    } else if (low.kind === 'broadcast') {
      if (roots.has(i)) throw new Error('fused program: a materialised broadcast is a copy kernel');
    } else {
      throw new Error(`fused program: op "${v.op}" cannot be fused`);
    }
  }
  // registers: linear scan, a register is free after its last read
  const lastUse = new Map<number, number>();
  instrs.forEach((ins, t) => {
    for (const s of [ins.a, ins.b]) if (s && 'reg' in s) lastUse.set(s.reg, t);
  });
  const regOf = new Map<number, number>();
  const free: number[] = [];
  let regs = 0;
  instrs.forEach((ins, t) => {
    for (const s of [ins.a, ins.b]) {
      if (s && 'reg' in s && lastUse.get(s.reg) === t && regOf.has(s.reg)) {
        free.push(regOf.get(s.reg)!);
        // a value read twice by this instruction is freed once
        lastUse.set(s.reg, -1);
      }
    }
    if ('reg' in ins.dst && !regOf.has(ins.dst.reg)) {
      const r = free.length > 0 ? free.pop()! : regs++;
      regOf.set(ins.dst.reg, r);
    }
  });
  for (const ins of instrs) {
    for (const key of ['dst', 'a', 'b'] as const) {
      const s = ins[key];
      if (s && 'reg' in s) ins[key] = { reg: regOf.get(s.reg)! };
    }
  }
  if (regs > FUSED_LIMITS.maxRegs || operands.length + regs > FUSED_LIMITS.maxSlots) {
    throw new FusedProgramTooLargeError(`fused group needs ${regs} registers and ${operands.length} operands`);
  }
  return { shape: S, operands, instrs, regs };
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

/** Records the launches of a fused group: initialise reduction outputs, then one fused launch per leading index. */
export function emitFused(env: EmitEnv, k: Kernel): void {
  const p = buildProgram(k, env.values, env.storage);
  const { dims, strides } = collapse(p.shape, p.operands.map((o) => o.strides));
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
    if (opc === undefined) throw new Error(`fused program: no opcode ${name}`);
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
    const bases = staged ? Array.from({ length: T }, () => env.alloc(o.size * 4)) : [env.addr(o.owner)];
    stage.set(k2, bases);
    const init = o.init!;
    const ranges = bases.map((b) => [b / 4, b / 4 + o.size] as const);
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
        const base = stage.get(k2)?.[t] ?? env.addr(o.owner);
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
      const out = env.addr(o.owner) / 4, n = o.size, max = o.init === -Infinity;
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
