/** 2-D matrix product with optionally transposed operands: y = op(a) · op(b). */
import { formatShape } from '../../shape.js';
import { defineOp, ShapeRuleError } from '../op_def.js';

export type MatmulAttrs = { transposeA: boolean; transposeB: boolean };

export function matmulDims(aShape: readonly number[], bShape: readonly number[], a: MatmulAttrs): { m: number; k: number; n: number; kb: number } {
  const [ar, ac] = aShape as [number, number];
  const [br, bc] = bShape as [number, number];
  const m = a.transposeA ? ac : ar;
  const k = a.transposeA ? ar : ac;
  const kb = a.transposeB ? bc : br;
  const n = a.transposeB ? br : bc;
  return { m, k, n, kb };
}

export const matmul = defineOp<MatmulAttrs>({
  arity: 2,
  shape: ([a, b], at) => {
    if (a!.shape.length !== 2 || b!.shape.length !== 2) throw new ShapeRuleError(`operands must be 2-D, got ${formatShape(a!.shape)} and ${formatShape(b!.shape)}`);
    if (a!.dtype !== 'float32' || b!.dtype !== 'float32') throw new ShapeRuleError('operands must be float32');
    const { m, k, n, kb } = matmulDims(a!.shape, b!.shape, at);
    if (k !== kb) throw new ShapeRuleError(`inner dimensions differ: op(a) is [${m},${k}], op(b) is [${kb},${n}] (transposeA=${at.transposeA}, transposeB=${at.transposeB})`);
    return { shape: [m, n], dtype: 'float32' };
  },
  reference: ([a, b], { attrs, inputTypes }) => {
    const { m, k, n } = matmulDims(inputTypes[0]!.shape, inputTypes[1]!.shape, attrs);
    const [, ac] = inputTypes[0]!.shape as [number, number];
    const [, bc] = inputTypes[1]!.shape as [number, number];
    const y = new Float64Array(m * n);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) {
          const av = attrs.transposeA ? a![p * ac + i]! : a![i * ac + p]!;
          const bv = attrs.transposeB ? b![j * bc + p]! : b![p * bc + j]!;
          s += av * bv;
        }
        y[i * n + j] = s;
      }
    }
    return y;
  },
  grad: ({ b, inputs, attrs, dy }) => {
    const [A, B] = inputs as [typeof dy, typeof dy];
    const { transposeA: tA, transposeB: tB } = attrs;
    const dA = tA ? b.matmul(B, dy, { transposeA: tB, transposeB: true }) : b.matmul(dy, B, { transposeA: false, transposeB: !tB });
    const dB = tB ? b.matmul(dy, A, { transposeA: true, transposeB: tA }) : b.matmul(A, dy, { transposeA: !tA, transposeB: false });
    return [dA, dB];
  },
});
