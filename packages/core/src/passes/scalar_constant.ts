/** Leaves that hold one float value everywhere: backends may pass them as scalars (uniforms) instead of buffers. */
import { attrsOf } from '../ops/registry.js';
import type { PlanValue } from './plan.js';

/** The value of a float fill or one-element float constant, if finite; otherwise undefined. */
export function scalarConstantValue(v: PlanValue): number | undefined {
  if (v.kind !== 'constant' || v.dtype !== 'float32') return undefined;
  const x = v.op === 'fill' ? attrsOf(v, 'fill').value : v.size === 1 ? attrsOf(v, 'constant').data[0] : undefined;
  return x !== undefined && Number.isFinite(x) ? x : undefined;
}

/** True for a float fill or one-element float constant with a finite value. */
export function isScalarConstant(v: PlanValue): boolean {
  return scalarConstantValue(v) !== undefined;
}
