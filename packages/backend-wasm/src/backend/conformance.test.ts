/**
 * Every conformance vector (the repository's vectors/, and ../shared/vectors where present) on the wasm
 * backend, with both kernel builds (plain SIMD and relaxed SIMD, forced explicitly), on one thread and on two,
 * fused and (one build) unfused, with every Winograd transform forced on the convolutions it applies to, and
 * with tuning on: the tolerances are the vectors' own, whatever the algorithm.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCase, formatFailure, runCase, type Backend } from '@dogo/core';
import { WasmRuntime } from '../runtime/wasm_runtime.js';
import { WasmBackend, type WasmBackendOptions } from './wasm_backend.js';
import { testWorkerHost, vectorCases } from './test_worker_host.js';
import { vectorSets } from '../../../../tools/vectors/vector_folders.js';

const cases = vectorSets().flatMap((s) => vectorCases(s.dir).map(([name, json]): [string, unknown] => [`${s.name}/${name}`, json]));

const configs: { variant: 'simd' | 'relaxed'; threads: number; options?: WasmBackendOptions }[] = [
  { variant: 'simd', threads: 1 },
  { variant: 'relaxed', threads: 1 },
  { variant: 'simd', threads: 2 },
  { variant: 'relaxed', threads: 2 },
  { variant: 'relaxed', threads: 2, options: { fuse: false } },
  { variant: 'simd', threads: 1, options: { convAlgorithm: 'winograd_f2' } },
  { variant: 'relaxed', threads: 2, options: { convAlgorithm: 'winograd_f2' } },
  { variant: 'simd', threads: 2, options: { convAlgorithm: 'winograd_f4' } },
  { variant: 'relaxed', threads: 1, options: { convAlgorithm: 'winograd_f4' } },
  { variant: 'relaxed', threads: 2, options: { convAlgorithm: 'winograd_f6' } },
  { variant: 'relaxed', threads: 2, options: { tune: 'quick' } },
];

const describeOptions = (o: WasmBackendOptions | undefined) =>
  [o?.fuse === false ? ', unfused' : '', o?.convAlgorithm ? `, ${o.convAlgorithm}` : '', o?.tune ? `, tune ${o.tune}` : ''].join('');

for (const cfg of configs) {
  describe(`wasm conformance: ${cfg.variant}, ${cfg.threads} thread(s)${describeOptions(cfg.options)}`, () => {
    let rt: WasmRuntime;
    beforeAll(async () => {
      rt = await WasmRuntime.create({ variant: cfg.variant, threads: cfg.threads, workerHost: testWorkerHost(), warmUp: false });
    });
    afterAll(() => rt?.dispose());

    it(`passes all ${cases.length} cases`, async () => {
      expect(rt.variant).toBe(cfg.variant);
      expect(rt.threads).toBe(cfg.threads);
      const backend = new WasmBackend(rt, cfg.options);
      const failures: string[] = [];
      let winogradSteps = 0;
      const counting: Backend = {
        name: backend.name,
        plan: (spec) => backend.plan(spec),
        memoryBudget: () => backend.memoryBudget(),
        compile: async (spec) => {
          const exe = await backend.compile(spec);
          winogradSteps += exe.convChoices.filter((c) => c.algorithm !== 'im2col').length;
          return exe;
        },
      };
      for (const [name, json] of cases) {
        const r = await runCase(counting, decodeCase(name, json));
        if (!r.passed) failures.push(formatFailure(r));
      }
      expect(failures).toEqual([]);
      expect(cases.length).toBeGreaterThan(0);
      if (cfg.options?.convAlgorithm) expect(winogradSteps).toBeGreaterThan(0);
    });
  });
}
