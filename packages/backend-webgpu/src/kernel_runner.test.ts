import { describe, expect, test } from 'vitest';
import { GEMM_TILINGS, fusedPointwiseKernel, matmulKernel, type KernelSource } from '@dogo/shaders-tensor';
import { getTestGpu } from './test_device.js';
import { KernelBindingError, KernelCompileError } from './kernel_runner.js';
import { matmulRef } from './testing/reference.js';
import { randomArray, relL2 } from './testing/util.js';

const gpu = await getTestGpu();

/** y = max(x, 0) over `n` elements: a fused kernel of one function (bindings in0, out). */
const relu = (n: number): KernelSource =>
  fusedPointwiseKernel({ functions: [{ name: 'relu', arity: 1, body: 'return max(a0, 0.0);' }], terms: [{ input: 0 }, { call: 'relu', args: [0] }] }, { out: [n], inputs: [[n]], scalars: [] });

describe.skipIf(!gpu)('KernelRunner', () => {
  test('a prepared two-kernel step replays with one submit and creates no GPU objects', async () => {
    const runner = gpu!.runner;
    const [m, n, k] = [9, 10, 11];
    const a = runner.upload(randomArray(m * k, 1));
    const b = runner.upload(randomArray(k * n, 2));
    const c = runner.createBuffer(m * n * 4);
    const r = runner.createBuffer(m * n * 4);
    const step = [
      await runner.prepare(matmulKernel({ m, n, k }), { a, b, c }),
      await runner.prepare(relu(m * n), { in0: c, out: r }),
    ];
    runner.submit(step, 'warm-up');
    await runner.readFloat32(r, m * n);
    const bData = await runner.readFloat32(b, k * n);
    const before = { ...runner.counts };
    for (let i = 0; i < 3; i++) {
      const data = randomArray(m * k, 10 + i);
      runner.write(a, data);
      runner.submit(step, `step ${i}`);
      const got = await runner.readFloat32(r, m * n);
      const want = Array.from(matmulRef(data, bData, m, n, k, false, false), (v) => Math.max(v, 0));
      expect(relL2(got, want)).toBeLessThan(1e-5);
    }
    expect(runner.counts).toEqual(before);
    for (const buf of [a, b, c, r]) buf.destroy();
  });

  test('pipelines are cached by WGSL text', async () => {
    const runner = gpu!.runner;
    const tiling = GEMM_TILINGS.square32;
    const p1 = await runner.pipeline(matmulKernel({ m: 3, n: 3, k: 3 }, { tiling }));
    const count = runner.counts.pipelines;
    const p2 = await runner.pipeline(matmulKernel({ m: 30, n: 30, k: 30 }, { tiling })); // same text: shapes live in the uniform
    expect(p2).toBe(p1);
    expect(runner.counts.pipelines).toBe(count);
  });

  test('WGSL errors and binding mistakes are typed and say where', async () => {
    const runner = gpu!.runner;
    const bad: KernelSource = {
      label: 'broken', entryPoint: 'main', workgroupSize: [1, 1, 1], dispatch: [1, 1, 1], bindings: [], uniforms: [],
      code: '@compute @workgroup_size(1)\nfn main() {\n  let x: f32 = undefined_thing;\n}\n',
    };
    await expect(runner.pipeline(bad)).rejects.toThrow(KernelCompileError);
    await expect(runner.pipeline(bad)).rejects.toThrow(/line 3/);
    const buf = runner.createBuffer(16);
    await expect(runner.prepare(relu(4), { in0: buf })).rejects.toThrow(KernelBindingError);
    await expect(runner.prepare(relu(4), { in0: buf, out: buf, extra: buf })).rejects.toThrow(/extra/);
    buf.destroy();
  });
});
