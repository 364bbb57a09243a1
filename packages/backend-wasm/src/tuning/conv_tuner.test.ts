/**
 * Convolution algorithm choice: the fixed rule, forcing, and tuning through a cache, with an injected clock so
 * nothing here depends on real timings.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryTuningCache } from '@dogo/core';
import { WasmRuntime } from '../runtime/wasm_runtime.js';
import type { Conv2dAlgorithm } from '../runtime/conv2d.js';
import { chooseConvAlgorithm, convTuningKey, type ConvShape } from './conv_tuner.js';
import { ruleConvAlgorithm } from './conv_rule.js';

const SHAPE: ConvShape = { n: 4, c: 8, h: 10, w: 10, o: 8, kh: 3, kw: 3, padH: 1, padW: 1, direction: 'forward' };
/** A fake clock: each algorithm "takes" these milliseconds. */
const FAKE: Record<Conv2dAlgorithm, number> = { im2col: 5, winograd_f2: 2, winograd_f4: 3, winograd_f6: 4 };

describe('convolution algorithm tuning', () => {
  let rt: WasmRuntime;
  beforeAll(async () => { rt = await WasmRuntime.create({ variant: 'simd', threads: 1, warmUp: false }); });
  afterAll(() => rt.dispose());

  it('times every candidate, keeps the fastest, caches it, and reuses the cache without timing', async () => {
    const cache = new MemoryTuningCache();
    const timed: Conv2dAlgorithm[] = [];
    const measure = (a: Conv2dAlgorithm, run: () => void) => { run(); timed.push(a); return FAKE[a]; };
    const first = await chooseConvAlgorithm(rt, SHAPE, { mode: 'quick', cache, machine: 'test', measure });
    expect(first).toMatchObject({ algorithm: 'winograd_f2', source: 'timed' });
    expect(new Set(timed)).toEqual(new Set(['im2col', 'winograd_f2', 'winograd_f4', 'winograd_f6']));
    expect(first.timings).toEqual(FAKE);
    expect(cache.entries.get(convTuningKey(rt, 'test', SHAPE))).toMatchObject({ algorithm: 'winograd_f2' });
    timed.length = 0;
    const again = await chooseConvAlgorithm(rt, SHAPE, { mode: 'full', cache, machine: 'test', measure });
    expect(again).toMatchObject({ algorithm: 'winograd_f2', source: 'cache' });
    expect(timed).toEqual([]);
  });

  it('keys choices by machine, thread count and shape, and re-times a cache entry that is not a candidate', async () => {
    const cache = new MemoryTuningCache();
    const key = convTuningKey(rt, 'test', SHAPE);
    expect(convTuningKey(rt, 'other machine', SHAPE)).not.toBe(key);
    expect(convTuningKey(rt, 'test', { ...SHAPE, n: 5 })).not.toBe(key);
    expect(convTuningKey(rt, 'test', { ...SHAPE, direction: 'backward_data' })).not.toBe(key);
    expect(key).toContain('threads 1');
    await cache.set(key, { algorithm: 'winograd_f9', timings: {}, timingBatch: 1 });
    const c = await chooseConvAlgorithm(rt, SHAPE, { mode: 'quick', cache, machine: 'test', measure: (a) => FAKE[a] });
    expect(c).toMatchObject({ algorithm: 'winograd_f2', source: 'timed' });
  });

  it('uses the fixed rule when tuning is off and a forced algorithm where it applies', async () => {
    const cache = new MemoryTuningCache();
    const never = () => { throw new Error('timed with tuning off'); };
    expect(await chooseConvAlgorithm(rt, SHAPE, { mode: 'off', cache, machine: 'test', measure: never })).toEqual({ algorithm: 'winograd_f4', source: 'rule' });
    expect(cache.entries.size).toBe(0);
    const strided = { ...SHAPE, strideH: 2, strideW: 2 };
    expect(await chooseConvAlgorithm(rt, strided, { mode: 'quick', cache, machine: 'test', force: 'winograd_f4', measure: never })).toEqual({ algorithm: 'im2col', source: 'forced' });
    expect(await chooseConvAlgorithm(rt, SHAPE, { mode: 'quick', cache, machine: 'test', force: 'winograd_f6', measure: never })).toEqual({ algorithm: 'winograd_f6', source: 'forced' });
  });

  it('rule: Winograd F(4x4) for 3x3 stride-1 convolutions with 8 or more channels each side, im2col otherwise', () => {
    expect(ruleConvAlgorithm(SHAPE, 'backward_weight')).toBe('winograd_f4');
    expect(ruleConvAlgorithm({ ...SHAPE, c: 1 }, 'forward')).toBe('im2col');
    expect(ruleConvAlgorithm({ ...SHAPE, kh: 1, kw: 1, padH: 0, padW: 0 }, 'forward')).toBe('im2col');
    expect(ruleConvAlgorithm({ ...SHAPE, padH: 3, padW: 3 }, 'backward_data')).toBe('im2col');
  });
});
