import { describe, expect, test } from 'vitest';
import {
  type KernelSource, WGSL, conv2dBackwardDataKernel, conv2dBackwardWeightKernel, conv2dKernel, contiguousStrides,
  dispatch1d, matmulKernel, momentsKernel, packUniforms, pool2dBackwardKernel, pool2dKernel, reduceKernel, uniformByteSize,
  wgslUniformType, broadcastStrides, KernelShapeError, layoutKernel, transposeCopy, padCopy, concatCopies, sliceCopy, oneHotKernel, castKernel,
  resizedCropKernel, fusedPointwiseKernel, type FusedProgram, type WgslFunction, GEMM_TILINGS, chooseGemmTiling, chooseSplitK,
} from './index.js';


const conv = { x: [2, 3, 9, 9], weight: [4, 3, 3, 3], stride: 2, padding: 1 } as const;
const SOURCES: KernelSource[] = [
  matmulKernel({ m: 5, n: 6, k: 7 }),
  matmulKernel({ m: 5, n: 6, k: 7 }, { transposeA: true, transposeB: true }),
  conv2dKernel(conv),
  conv2dBackwardDataKernel(conv),
  conv2dBackwardWeightKernel(conv).kernel,
  conv2dBackwardWeightKernel({ x: [64, 3, 32, 32], weight: [8, 3, 3, 3], padding: 1 }).kernel,
  conv2dBackwardDataKernel(conv, { phases: false }),
  reduceKernel('sum', { outer: 2, reduce: 100, inner: 3 }),
  reduceKernel('max', { outer: 2, reduce: 10, inner: 3 }, { perThread: true }),
  pool2dKernel('max', { x: [1, 2, 5, 5], kernel: 3, stride: 2, padding: 1 }),
  pool2dBackwardKernel('max', { x: [1, 2, 5, 5], kernel: 3, stride: 2, padding: 1 }),
  pool2dBackwardKernel('avg', { x: [1, 2, 5, 5], kernel: 2 }),
  momentsKernel({ outer: 2, channels: 3, inner: 4 }),
  momentsKernel({ outer: 64, channels: 3, inner: 100 }),
  layoutKernel(transposeCopy([2, 3, 4], [2, 0, 1])),
  layoutKernel(padCopy([2, 3], [1, 0], [0, 2])),
  oneHotKernel(4, 3),
  castKernel(5, 'f32', 'i32'),
  castKernel(5, 'i32', 'f32'),
  resizedCropKernel([2, 3, 8, 8], [4, 4]),
];

// The caller's functions: a fused kernel knows no ops.
const fn = (name: string, arity: number, expr: string): WgslFunction => ({ name, arity, body: `return ${expr};` });
const MUL = fn('op_mul', 2, 'a0 * a1');
const ADD = fn('op_add', 2, 'a0 + a1');
const RELU = fn('op_relu', 1, 'max(a0, 0.0)');
const LEAKY = fn('op_leaky', 2, 'select(a1 * a0, a0, a0 > 0.0)');
// (x * s0 + bias) then relu then + residual: x and residual full shape, bias broadcast per channel.
const BN_RELU_ADD: FusedProgram = {
  functions: [MUL, ADD, RELU],
  terms: [
    { input: 0 }, { scalar: 0 }, { call: 'op_mul', args: [0, 1] }, { input: 1 }, { call: 'op_add', args: [2, 3] }, { call: 'op_relu', args: [4] },
    { input: 2 }, { call: 'op_add', args: [5, 6] },
  ],
};
SOURCES.push(fusedPointwiseKernel(BN_RELU_ADD, { out: [2, 3, 4, 4], inputs: [[2, 3, 4, 4], [1, 3, 1, 1], [2, 3, 4, 4]], scalars: [0.5] }));
SOURCES.push(fusedPointwiseKernel({ functions: [LEAKY], terms: [{ input: 0 }, { scalar: 0 }, { call: 'op_leaky', args: [0, 1] }] }, { out: [7], inputs: [[7]], scalars: [0.2] }));

/** Fields of `struct Params { ... }` as [name, type] pairs. */
function paramsStruct(code: string): [string, string][] {
  const m = /struct Params\s*\{([^}]*)\}/.exec(code);
  if (!m) return [];
  return m[1]!.split('\n').map((f) => f.trim().replace(/,$/, '')).filter(Boolean).map((f) => {
    const i = f.indexOf(':');
    return [f.slice(0, i).trim(), f.slice(i + 1).trim()];
  });
}

describe('kernel specs', () => {
  for (const k of SOURCES) {
    test(`${k.label}: WGSL matches the spec (uniform struct, bindings, no leftover template syntax)`, () => {
      expect(paramsStruct(k.code)).toEqual(k.uniforms.map((u) => [u.name, wgslUniformType(u.type)]));
      expect(k.code).not.toMatch(/\{\{|\/\/#(if|else|endif)/);
      const declared = [...k.code.matchAll(/@group\(0\) @binding\((\d+)\) var<(uniform|storage, read|storage, read_write)>/g)].map((m) => [
        Number(m[1]), m[2] === 'uniform' ? 'uniform' : m[2] === 'storage, read' ? 'read-only-storage' : 'storage',
      ]);
      expect(declared.sort()).toEqual(k.bindings.map((b) => [b.binding, b.kind]).sort());
      expect(k.dispatch.every((d) => Number.isInteger(d) && d >= 1 && d <= 65535)).toBe(true);
      expect(k.workgroupSize[0] * k.workgroupSize[1] * k.workgroupSize[2]).toBeLessThanOrEqual(256);
      expect(packUniforms(k.uniforms).byteLength).toBe(uniformByteSize(k.uniforms));
    });
  }

  test('every .wgsl file opens with a comment naming bindings, workgroup size and dispatch', () => {
    for (const [name, text] of Object.entries(WGSL)) {
      expect(text.startsWith(`// ${name}`), name).toBe(true);
      // gemm_tiled is a main loop spliced into kernels that declare the bindings
      if (name !== 'gemm_tiled') expect(text, name).toMatch(/Bindings/);
      expect(text, name).toMatch(/Workgroup size/i);
      expect(text, name).toMatch(/Dispatch/i);
      expect(text, name).toMatch(/Template parameters/);
    }
  });

  test('GEMM dispatch covers m x n with the tiling chosen', () => {
    const square64 = GEMM_TILINGS.square64;
    expect(matmulKernel({ m: 37, n: 129, k: 3 }, { tiling: square64 }).dispatch).toEqual([3, 1, 1]);
    // c_out = 8 rows: a thin tile of 8 x 128 instead of a 64-row one that would be 7/8 empty.
    expect(conv2dKernel({ x: [4, 3, 9, 9], weight: [8, 3, 3, 3], padding: 1 }).dispatch).toEqual([Math.ceil((4 * 81) / 128), 1, 1]);
  });

  test('tiling choice: thin tiles for thin GEMMs, big tiles only with many of them', () => {
    expect(chooseGemmTiling(3, 100000)).toBe('wide4');
    expect(chooseGemmTiling(8, 5000)).toBe('wide8');
    expect(chooseGemmTiling(16, 5000)).toBe('wide16');
    expect(chooseGemmTiling(5000, 12)).toBe('tall16');
    expect(chooseGemmTiling(1024, 1024)).toBe('square64'); // 64 tiles of 128x128: too few for a big GPU
    expect(chooseGemmTiling(4096, 4096)).toBe('square128');
    expect(chooseGemmTiling(100, 100)).toBe('square32');
    for (const t of Object.values(GEMM_TILINGS)) {
      const threads = (t.tileM / t.threadM) * (t.tileN / t.threadN);
      expect(threads).toBeLessThanOrEqual(256);
      expect((t.tileM + t.tileN) * t.tileK * 4).toBeLessThanOrEqual(16384);
    }
  });

  test('split-K: only for a small C with a long reduction; splits are non-empty multiples of TILE_K', () => {
    const t = GEMM_TILINGS.square64;
    expect(chooseSplitK(t, 1024, 1024, 100000)).toEqual({ splits: 1, kSplit: 100000 });
    expect(chooseSplitK(t, 64, 576, 100352).splits).toBe(Math.ceil(256 / 9));
    expect(chooseSplitK(t, 64, 576, 1000).splits).toBe(1); // too short to split
    for (const k of [100, 1000, 4097, 100352]) {
      for (const requested of [1, 2, 3, 7, 64]) {
        const { splits, kSplit } = chooseSplitK(t, 8, 8, k, requested);
        expect(kSplit % t.tileK).toBe(0);
        expect((splits - 1) * kSplit).toBeLessThan(k); // the last split is non-empty
        expect(splits * kSplit).toBeGreaterThanOrEqual(k);
      }
    }
    const launch = conv2dBackwardWeightKernel({ x: [256, 64, 32, 32], weight: [64, 64, 3, 3], padding: 1 });
    expect(launch.split.splits).toBeGreaterThan(1);
    expect(launch.kernel.dispatch[2]).toBe(launch.split.splits);
  });

  test('backward data uses stride phases for stride > 1 (s*s GEMMs over the phase grid)', () => {
    const k = conv2dBackwardDataKernel({ x: [2, 4, 9, 9], weight: [6, 4, 3, 3], stride: 2, padding: 1 });
    expect(k.label).toBe('conv2d_backward_data_phases');
    expect(k.dispatch[2]).toBe(4);
    expect(conv2dBackwardDataKernel({ x: [2, 4, 9, 9], weight: [6, 4, 3, 3], padding: 1 }).dispatch[2]).toBe(1);
    expect(() => conv2dBackwardDataKernel({ x: [2, 4, 9, 9], weight: [6, 4, 3, 3], stride: 2, dilation: 2 }, { phases: true })).toThrow(/dilation 1/);
  });

  test('uniform packing follows WGSL layout (array<vec4<u32>,2> aligned to 16)', () => {
    const bytes = packUniforms([{ name: 'a', type: 'u32', value: 7 }, { name: 'f', type: 'f32', value: 0.5 }, { name: 's', type: 'vec4u_x2', value: [1, 2, 3] }]);
    const u = new Uint32Array(bytes);
    expect(bytes.byteLength).toBe(48);
    expect(u[0]).toBe(7);
    expect(new Float32Array(bytes)[1]).toBe(0.5);
    expect(Array.from(u.slice(4, 12))).toEqual([1, 2, 3, 0, 0, 0, 0, 0]);
  });

  test('contiguous and broadcast strides, and shape errors', () => {
    expect(contiguousStrides([2, 3, 4])).toEqual([12, 4, 1]);
    expect(contiguousStrides([])).toEqual([]);
    expect(broadcastStrides([3, 1], [4, 3, 5])).toEqual([0, 1, 0]);
    expect(broadcastStrides([4, 1, 5], [4, 3, 5])).toEqual([5, 0, 1]);
    expect(broadcastStrides([2, 3], [2, 3])).toEqual([3, 1]);
    expect(() => broadcastStrides([2], [3])).toThrow(KernelShapeError);
    expect(() => conv2dKernel({ x: [1, 3, 4, 4], weight: [2, 4, 3, 3] })).toThrow(/channels/);
    expect(dispatch1d(70000)).toEqual([35000, 2, 1]);
  });

  test('layout copies: transpose, slice, pad and concat shape arithmetic', () => {
    expect(transposeCopy([2, 3, 4], [2, 0, 1])).toEqual({ shape: [4, 2, 3], srcStrides: [1, 12, 4] });
    expect(sliceCopy([4, 5], [1, 2], [2, 3])).toEqual({ shape: [2, 3], srcStrides: [5, 1], srcOffset: 7 });
    expect(padCopy([2, 3], [1, 0], [0, 2])).toMatchObject({ shape: [3, 5], pad: { lo: [1, 0], srcDims: [2, 3] } });
    expect(concatCopies([[2, 3], [2, 1]], 1).map((c) => [c.dstStrides, c.dstOffset])).toEqual([[[4, 1], 0], [[4, 1], 3]]);
    expect(() => layoutKernel({ shape: [2, 2], srcStrides: [1] })).toThrow(KernelShapeError);
    expect(() => castKernel(3, 'f32', 'f32')).toThrow(/copy/);
  });

  test('fused pointwise WGSL depends on the structure only: shapes and constants live in the uniform', () => {
    const a = fusedPointwiseKernel(BN_RELU_ADD, { out: [2, 3, 4, 4], inputs: [[2, 3, 4, 4], [1, 3, 1, 1], [2, 3, 4, 4]], scalars: [0.5] });
    const b = fusedPointwiseKernel(BN_RELU_ADD, { out: [8, 16, 2, 2], inputs: [[8, 16, 2, 2], [16, 1, 1], [8, 16, 2, 2]], scalars: [-3] });
    expect(b.code).toBe(a.code);
    expect(a.label).toBe('fused_4(op_mul,op_add,op_relu,op_add)');
    expect(fusedPointwiseKernel({ ...BN_RELU_ADD, label: 'bn_relu_add' }, { out: [2], inputs: [[2], [2], [2]], scalars: [1] }).label).toBe('bn_relu_add');
    expect(a.bindings.map((x) => x.name)).toEqual(['params', 'out', 'in0', 'in1', 'in2']);
    // the caller's functions are in the text, once each
    expect(a.code.match(/fn op_add\(a0: f32, a1: f32\) -> f32 \{\n  return a0 \+ a1;\n\}/g)).toHaveLength(1);
    // Broadcasting another input changes the text (it gets strides), as does another function.
    const c = fusedPointwiseKernel(BN_RELU_ADD, { out: [2, 3, 4, 4], inputs: [[2, 3, 4, 4], [1, 3, 1, 1], [1, 3, 4, 4]], scalars: [0.5] });
    expect(c.code).not.toBe(a.code);
    const d = fusedPointwiseKernel({ ...BN_RELU_ADD, functions: [MUL, ADD, fn('op_relu', 1, 'max(a0, 1.0)')] }, { out: [2, 3, 4, 4], inputs: [[2, 3, 4, 4], [1, 3, 1, 1], [2, 3, 4, 4]], scalars: [0.5] });
    expect(d.code).not.toBe(a.code);
  });

  test('fused pointwise: malformed programs are refused with what is wrong', () => {
    const one = { out: [2], inputs: [[2]], scalars: [] };
    expect(() => fusedPointwiseKernel({ functions: [ADD], terms: [{ input: 0 }, { call: 'op_add', args: [0, 2] }] }, one)).toThrow(/earlier terms/);
    expect(() => fusedPointwiseKernel({ functions: [ADD], terms: [{ input: 0 }, { call: 'op_add', args: [0] }] }, one)).toThrow(/takes 2 arguments/);
    expect(() => fusedPointwiseKernel({ functions: [], terms: [{ input: 0 }, { call: 'op_add', args: [0, 0] }] }, one)).toThrow(/not among the functions/);
    expect(() => fusedPointwiseKernel({ functions: [ADD, ADD], terms: [{ input: 0 }] }, one)).toThrow(/given twice/);
    expect(() => fusedPointwiseKernel({ functions: [fn('main', 1, 'a0')], terms: [{ input: 0 }] }, one)).toThrow(/identifier/);
    expect(() => fusedPointwiseKernel({ functions: [], terms: [{ scalar: 0 }] }, one)).toThrow(/scalar 0 of 0/);
    expect(() => fusedPointwiseKernel({ functions: [], terms: [{ input: 0 }] }, { out: [2], inputs: Array.from({ length: 8 }, () => [2]), scalars: [] })).toThrow(/at most 7/);
  });

  test('the three conv kernels declare their uniforms once (conv2d_params.wgsl), each after its own header', () => {
    const kernels = [conv2dKernel(conv), conv2dBackwardDataKernel(conv), conv2dBackwardWeightKernel(conv).kernel];
    for (const k of kernels) {
      expect(k.code.startsWith(`// ${k.label.replace(/_phases$|_splitk$/, '')}:`), k.label).toBe(true);
      expect(k.code.match(/^struct Params/gm), k.label).toHaveLength(1);
    }
    for (const file of ['conv2d', 'conv2d_backward_data', 'conv2d_backward_weight'] as const) expect(WGSL[file]).not.toMatch(/^struct Params/m);
    expect(paramsStruct(conv2dBackwardDataKernel(conv).code).slice(-4).map(([n]) => n)).toEqual(['phase_kh', 'phase_kw', 'phase_h', 'phase_w']);
  });

  test('moments: one workgroup per channel, past 65535 channels split over y', () => {
    expect(momentsKernel({ outer: 8, channels: 5, inner: 49 }).dispatch).toEqual([5, 1, 1]);
    expect(momentsKernel({ outer: 2, channels: 70000, inner: 1 }).dispatch).toEqual([35000, 2, 1]);
    expect(momentsKernel({ outer: 2, channels: 3, inner: 4 }).workgroupSize).toEqual([64, 1, 1]);
    expect(momentsKernel({ outer: 64, channels: 3, inner: 100 }).workgroupSize).toEqual([256, 1, 1]);
    expect(() => momentsKernel({ outer: 2, channels: 3, inner: 4 }, { workgroupSize: 100 })).toThrow(/power of two/);
  });
});
