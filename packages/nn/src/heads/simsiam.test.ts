/** SimSiam heads: the reference's names and widths, parameter counts, and forward passes on the reference backend. */
import { describe, expect, it } from 'vitest';
import { Graph, ReferenceBackend, Rng, ShapeError, grad, simsiamLoss, type Feed } from '@dogo/core';
import { ForwardContext } from '../module/forward_context.js';
import { countParameters } from '../analytics/analytics.js';
import { loadStateDict, stateDictToSafetensors } from '../state_dict/state_dict.js';
import { NonAffineBatchNorm1d, SimSiamPredictor, SimSiamProjector, simsiamHeadDims, simsiamHeads } from './simsiam.js';

const describeParams = (m: SimSiamProjector | SimSiamPredictor) => [...m.namedParameters()].map(([n, s]) => `${n} ${s.shape.join('x')} ${s.kind}`);

/** Column means and biased variances of a row-major [rows, cols] matrix. */
function columnStats(x: ArrayLike<number>, rows: number, cols: number): { mean: number[]; variance: number[] } {
  const mean = new Array<number>(cols).fill(0);
  const variance = new Array<number>(cols).fill(0);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) mean[c]! += x[r * cols + c]! / rows;
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) variance[c]! += (x[r * cols + c]! - mean[c]!) ** 2 / rows;
  return { mean, variance };
}

describe('SimSiam heads: names and widths', () => {
  it('projector and predictor keep the reference Sequential indices; the last BN has no weight or bias', () => {
    const { projector, predictor } = simsiamHeads(8, { outDim: 16, hiddenDim: 6, predDim: 4 });
    expect(describeParams(projector)).toEqual([
      '0.weight 6x8 weight',
      '1.weight 6 bn_weight', '1.bias 6 bn_bias', '1.running_mean 6 running_mean', '1.running_var 6 running_var',
      '3.weight 6x6 weight',
      '4.weight 6 bn_weight', '4.bias 6 bn_bias', '4.running_mean 6 running_mean', '4.running_var 6 running_var',
      '6.weight 16x6 weight',
      '7.running_mean 16 running_mean', '7.running_var 16 running_var',
    ]);
    expect(describeParams(predictor)).toEqual([
      '0.weight 4x16 weight',
      '1.weight 4 bn_weight', '1.bias 4 bn_bias', '1.running_mean 4 running_mean', '1.running_var 4 running_var',
      '3.weight 16x4 weight', '3.bias 16 bias',
    ]);
    expect(projector.length).toBe(8);
    expect(predictor.length).toBe(4);
  });

  it('defaults are the reference (dim 2048, pred-dim 512, hidden = encoder width) and scale with the width multiplier', () => {
    expect(simsiamHeadDims(2048)).toEqual({ hiddenDim: 2048, outDim: 2048, predDim: 512 });
    expect(simsiamHeadDims(512)).toEqual({ hiddenDim: 512, outDim: 2048, predDim: 512 });
    expect(simsiamHeadDims(128, { widthMultiplier: 0.25 })).toEqual({ hiddenDim: 128, outDim: 512, predDim: 128 });
    expect(simsiamHeadDims(128, { widthMultiplier: 0.25, outDim: 64, hiddenDim: 256 })).toEqual({ hiddenDim: 256, outDim: 64, predDim: 16 });
    expect(() => simsiamHeadDims(128, { widthMultiplier: 0 })).toThrow(RangeError);
    expect(() => simsiamHeadDims(128, { predDim: 2.5 })).toThrow(/predDim 2.5/);
    // ResNet-50 (2048 features): the reference's trainable counts, its frozen fc bias left out.
    const { projector, predictor } = simsiamHeads(2048);
    expect(countParameters(projector)).toBe(3 * 2048 * 2048 + 2 * 2 * 2048);
    expect(countParameters(predictor)).toBe(2048 * 512 + 2 * 512 + 512 * 2048 + 2048);
    expect(new SimSiamPredictor().predDim).toBe(512);
    expect(new SimSiamProjector(512).hiddenDim).toBe(512);
  });

  it('refuses inputs of the wrong width, naming the layer', () => {
    const g = new Graph();
    const ctx = new ForwardContext(g, { training: true });
    expect(() => new NonAffineBatchNorm1d(4).forward(ctx, g.input('x', [3, 5]))).toThrow(ShapeError);
    expect(() => new NonAffineBatchNorm1d(4).forward(ctx, g.input('y', [3, 5]))).toThrow('BatchNorm1d(4, affine=False) at "<root>": input must be [N,4], got [3,5]');
    expect(() => simsiamHeads(8, { outDim: 16 }).projector.forward(ctx, g.input('f', [3, 7]))).toThrow(/Linear\(8, 8\)/);
  });
});

describe('SimSiam heads on the reference backend', () => {
  const N = 6;
  const IN = 5;
  const { projector, predictor } = simsiamHeads(IN, { outDim: 8, hiddenDim: 7, predDim: 3 });
  const state: Record<string, Float32Array> = {
    ...Object.fromEntries(Object.entries(projector.initialState(new Rng(1))).map(([k, v]) => [`encoder.fc.${k}`, v])),
    ...Object.fromEntries(Object.entries(predictor.initialState(new Rng(2))).map(([k, v]) => [`predictor.${k}`, v])),
  };
  const rng = new Rng(3);
  const features = Float32Array.from({ length: N * IN }, () => rng.normal());

  async function run(training: boolean, values: Record<string, Float32Array> = state) {
    const g = new Graph();
    const f = g.input('f', [N, IN]);
    const zctx = new ForwardContext(g, { training, prefix: 'encoder.fc.' });
    const z = projector.forward(zctx, f);
    const pctx = new ForwardContext(g, { training, prefix: 'predictor.' });
    const p = predictor.forward(pctx, z);
    const loss = simsiamLoss(p, p, z, z);
    const names = [...zctx.stateNames(), ...pctx.stateNames()];
    const initialState: Record<string, Feed> = Object.fromEntries(names.map((n) => [n, values[n]!]));
    const trainable = names.filter((n) => !n.includes('running_'));
    const grads = grad(loss, trainable.map((n) => g.states.get(n)!));
    const exe = await new ReferenceBackend().compile({ outputs: { z, p, loss, ...Object.fromEntries(trainable.map((n, i) => [`grad:${n}`, grads[i]!])) }, updates: Object.fromEntries([...zctx.updates, ...pctx.updates]), initialState });
    const out = await exe.run({ f: features });
    exe.destroy();
    return { out, updates: [...zctx.updates.keys(), ...pctx.updates.keys()] };
  }

  it('training: z [N,out] is batch-normalised without affine, p is [N,out], the loss is finite and its gradients reach both heads', async () => {
    const { out, updates } = await run(true);
    expect(out['z']!.shape).toEqual([N, 8]);
    expect(out['p']!.shape).toEqual([N, 8]);
    const { mean, variance } = columnStats(out['z']!.data, N, 8);
    for (const m of mean) expect(Math.abs(m)).toBeLessThan(1e-9);
    for (const v of variance) expect(v).toBeGreaterThan(0.99); // 1 - eps / (var + eps)
    expect(Number.isFinite(out['loss']!.data[0]!)).toBe(true);
    expect(Math.abs(out['loss']!.data[0]!)).toBeLessThanOrEqual(1);
    // Training-mode updates of every batch norm, under the caller's prefix, in first-use order.
    expect(updates).toEqual([
      'encoder.fc.1.running_mean', 'encoder.fc.1.running_var', 'encoder.fc.4.running_mean', 'encoder.fc.4.running_var',
      'encoder.fc.7.running_mean', 'encoder.fc.7.running_var', 'predictor.1.running_mean', 'predictor.1.running_var',
    ]);
    for (const name of ['encoder.fc.0.weight', 'encoder.fc.6.weight', 'predictor.0.weight', 'predictor.3.bias']) {
      const g = out[`grad:${name}`]!.data;
      expect(g.some((v) => v !== 0), name).toBe(true);
      expect(g.every((v) => Number.isFinite(v)), name).toBe(true);
    }
  });

  it('evaluation: the last BN uses its running statistics (z = (W6·h - mean) / sqrt(var + eps))', async () => {
    const shifted = { ...state, 'encoder.fc.7.running_mean': new Float32Array(8).fill(0.5), 'encoder.fc.7.running_var': new Float32Array(8).fill(3) };
    const a = await run(false);
    const b = await run(false, shifted);
    for (let i = 0; i < N * 8; i++) expect(b.out['z']!.data[i]!).toBeCloseTo((a.out['z']!.data[i]! * Math.sqrt(1 + 1e-5) - 0.5) / Math.sqrt(3 + 1e-5), 10);
  });

  it('state dicts round-trip through safetensors; num_batches_tracked of the non-affine BN is ignored on load', () => {
    const values = projector.initialState(new Rng(4));
    const bytes = stateDictToSafetensors(projector, values, { numBatchesTracked: 10 });
    const loaded = loadStateDict(simsiamHeads(IN, { outDim: 8, hiddenDim: 7, predDim: 3 }).projector, bytes);
    expect(Object.keys(loaded)).toEqual([...projector.namedParameters()].map(([n]) => n));
    for (const [k, v] of Object.entries(values)) expect(loaded[k], k).toEqual(v);
  });
});
