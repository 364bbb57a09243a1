import { describe, expect, it } from 'vitest';
import { Rng } from '@dogo/core';
import { Conv2d } from '../layers/conv2d.js';
import { Linear } from '../layers/linear.js';
import { BatchNorm2d } from '../layers/batch_norm.js';
import { resnet18 } from '../resnet/resnet.js';
import { fans } from './init.js';

function moments(v: Float32Array): { mean: number; std: number; maxAbs: number } {
  let s = 0;
  let ss = 0;
  let maxAbs = 0;
  for (const x of v) {
    s += x;
    ss += x * x;
    maxAbs = Math.max(maxAbs, Math.abs(x));
  }
  const mean = s / v.length;
  return { mean, std: Math.sqrt(ss / v.length - mean * mean), maxAbs };
}

describe('initialisation (torchvision ResNet, PyTorch Linear defaults)', () => {
  it('conv weights ~ N(0, 2 / fan_out) (kaiming_normal_, mode fan_out, relu)', () => {
    const conv = new Conv2d(128, 256, 3, 1, 1);
    const w = conv.initialState(new Rng(11))['weight']!;
    expect(w).toHaveLength(256 * 128 * 9);
    const m = moments(w);
    const std = Math.sqrt(2 / (256 * 9));
    expect(Math.abs(m.std / std - 1)).toBeLessThan(0.1);
    expect(Math.abs(m.std / std - 1)).toBeLessThan(0.01); // 295k samples: far tighter than the 10% asked
    expect(Math.abs(m.mean)).toBeLessThan(0.01 * std);
    expect(fans([256, 128, 3, 3])).toEqual({ fanIn: 1152, fanOut: 2304 });
  });

  it('Linear weight and bias ~ U(-1/sqrt(in), 1/sqrt(in))', () => {
    const lin = new Linear(400, 300);
    const s = lin.initialState(new Rng(5));
    const bound = 1 / Math.sqrt(400);
    for (const name of ['weight', 'bias']) {
      const m = moments(s[name]!);
      expect(m.maxAbs).toBeLessThanOrEqual(bound);
      expect(m.maxAbs).toBeGreaterThan(0.97 * bound);
    }
    const w = moments(s['weight']!);
    expect(Math.abs(w.std / (bound / Math.sqrt(3)) - 1)).toBeLessThan(0.02); // uniform: std = bound / sqrt(3)
    expect(Math.abs(w.mean)).toBeLessThan(0.01 * bound);
  });

  it('batch norm starts at weight 1, bias 0, running_mean 0, running_var 1', () => {
    const s = new BatchNorm2d(5).initialState(new Rng(0));
    expect(Object.fromEntries(Object.entries(s).map(([k, v]) => [k, [...new Set(v)]]))).toEqual({ weight: [1], bias: [0], running_mean: [0], running_var: [1] });
  });

  it('is deterministic per seed, and adding a module does not shift the others', () => {
    const a = resnet18({ widthMultiplier: 1 / 16 }).initialState(new Rng(42));
    const b = resnet18({ widthMultiplier: 1 / 16 }).initialState(new Rng(42));
    expect(b).toEqual(a);
    const withFc = resnet18({ widthMultiplier: 1 / 16, numClasses: 10 }).initialState(new Rng(42));
    for (const [k, v] of Object.entries(a)) expect(withFc[k], k).toEqual(v);
    const other = resnet18({ widthMultiplier: 1 / 16 }).initialState(new Rng(43));
    expect(other['conv1.weight']).not.toEqual(a['conv1.weight']);
    expect(a['layer1.0.conv1.weight']).not.toEqual(a['layer1.1.conv1.weight']);
    const rng = new Rng(42);
    const before = rng.getState();
    resnet18({ widthMultiplier: 1 / 16 }).initialState(rng);
    expect(rng.getState()).toEqual(before);
  });
});
