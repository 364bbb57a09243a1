/**
 * A fused group's program for the `fused` kernel (tools/wat/fused.mjs), from the core's group program
 * (passes/group_program.ts): operands with element strides over the iteration shape (numpy broadcasting;
 * a reduction output has stride 0 on the reduced axes), a constant operand per numeric attribute, one
 * instruction per pointwise op named after its code-table row, a store or a reduction per root, and
 * registers by linear scan. Needs no addresses, so the lowering can ask whether a group fits
 * (`fusedProgramFits`, the backend's fusion rule) before any memory exists. Internal to the backend.
 */
import { pointwiseKey, sizeOf, stridesOf, type GroupArg, type GroupProgram, type Shape } from '@dogo/core';
import { FUSED_LIMITS } from '../kernels.gen.js';

/** Where an operand's elements are: a storage owner's region, or a constant (a numeric attribute). */
export type OperandSource = { readonly owner: number } | { readonly constant: number };

export interface ProgramOperand {
  readonly source: OperandSource;
  /** Element strides over the iteration shape (0: broadcast or reduced). */
  readonly strides: readonly number[];
  /** Reduction output: its initial value. */
  readonly init?: number;
  readonly size: number;
}

export type Slot = { readonly op: number } | { readonly reg: number };
/** `name` is a pointwise key (`add`, `gelu:tanh`), `store`, `radd` or `rmax`; the kinds of a and b complete the opcode. */
export interface ProgramInstr { readonly name: string; readonly dst: Slot; readonly a: Slot; readonly b?: Slot }

export interface FusedProgram {
  readonly shape: Shape;
  readonly operands: readonly ProgramOperand[];
  readonly instrs: readonly ProgramInstr[];
  readonly regs: number;
}

/** Strides of a contiguous `shape` read as `iter` (numpy broadcasting: shape aligned right). */
function broadcastStrides(shape: Shape, iter: Shape): number[] {
  const st = stridesOf(shape);
  const off = iter.length - shape.length;
  return iter.map((d, i) => (i < off || shape[i - off] === 1 ? 0 : st[i - off]!));
}

export function buildFusedProgram(p: GroupProgram): FusedProgram {
  const S = p.shape;
  const operands: ProgramOperand[] = p.operands.map((o) => ({ source: { owner: o.owner }, strides: broadcastStrides(o.shape, S), size: sizeOf(o.shape) }));
  const constants = new Map<number, number>();
  const constant = (value: number): Slot => {
    let k = constants.get(value);
    if (k === undefined) {
      k = operands.push({ source: { constant: value }, strides: S.map(() => 0), size: 1 }) - 1;
      constants.set(value, k);
    }
    return { op: k };
  };
  const output = (owner: number, strides: number[], size: number, init?: number): Slot =>
    ({ op: operands.push({ source: { owner }, strides, size, ...(init === undefined ? {} : { init }) }) - 1 });
  const slot = (a: GroupArg): Slot => ('operand' in a ? { op: a.operand } : { reg: a.instr });
  const instrs: { name: string; dst: Slot; a: Slot; b?: Slot }[] = [];
  p.instrs.forEach((ins, at) => {
    if (ins.kind === 'pointwise') {
      const b = ins.args.length > 1 ? slot(ins.args[1]!) : ins.call.params.length > 0 ? constant(ins.call.params[0]!) : undefined;
      if (ins.call.params.length > 1 || (ins.args.length > 1 && ins.call.params.length > 0)) {
        throw new Error(`fused program: ${ins.call.op} needs more operands than an instruction carries`);
      }
      instrs.push({ name: pointwiseKey(ins.call), dst: { reg: at }, a: slot(ins.args[0]!), ...(b ? { b } : {}) });
    } else if (ins.kind === 'store') {
      instrs.push({ name: 'store', dst: output(ins.value, stridesOf(S), sizeOf(S)), a: slot(ins.arg) });
    } else {
      const kept = S.map((d, ax) => (ins.axes.includes(ax) ? 1 : d));
      const strides = stridesOf(kept).map((st, ax) => (ins.axes.includes(ax) ? 0 : st));
      const name = ins.op === 'sum' ? 'radd' : 'rmax';
      instrs.push({ name, dst: output(ins.value, strides, sizeOf(kept), ins.op === 'sum' ? 0 : -Infinity), a: slot(ins.arg) });
    }
  });
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
    if ('reg' in ins.dst && !regOf.has(ins.dst.reg)) regOf.set(ins.dst.reg, free.length > 0 ? free.pop()! : regs++);
  });
  const rename = (s: Slot): Slot => ('reg' in s ? { reg: regOf.get(s.reg)! } : s);
  return {
    shape: S,
    operands,
    instrs: instrs.map((ins) => ({ name: ins.name, dst: rename(ins.dst), a: rename(ins.a), ...(ins.b ? { b: rename(ins.b) } : {}) })),
    regs,
  };
}

/** Whether a group's program fits the kernel's registers and operand slots (the backend's fusion rule). */
export function fusedProgramFits(p: GroupProgram): boolean {
  const prog = buildFusedProgram(p);
  return prog.regs <= FUSED_LIMITS.maxRegs && prog.operands.length + prog.regs <= FUSED_LIMITS.maxSlots;
}
