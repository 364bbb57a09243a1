/**
 * Test helper: small encoders and heads of every layer kind the exporter maps, with weights that look trained
 * (`trainedLikeWeights` from @dogo/nn), and our features of images on a backend, computed as `dogo eval` and
 * `dogo serve` do.
 */
import { Graph, ops, type Backend, type Feed } from '@dogo/core';
import { ForwardContext, ProjectionHead, resnetSmall, simsiamHeads, ResNet, Bottleneck, type InputNormalization, type Module } from '@dogo/nn';

export interface TestModel {
  what: string;
  encoder: ResNet;
  head: Module;
}

/** A basic-block CIFAR-stem encoder with a SimCLR head, and a bottleneck ImageNet-stem one (max-pool) with SimSiam's projector. */
export function testModels(channels: number): TestModel[] {
  const basic = resnetSmall({ stageChannels: [8, 16], blocksPerStage: 1, inChannels: channels });
  const bottleneck = new ResNet(Bottleneck, [1, 1], { stageChannels: [4, 8], stem: 'imagenet', inChannels: channels });
  return [
    { what: 'basic blocks, CIFAR stem, SimCLR head', encoder: basic, head: new ProjectionHead(basic.featureDim, 16, 8) },
    { what: 'bottlenecks, ImageNet stem, SimSiam projector', encoder: bottleneck, head: simsiamHeads(bottleneck.featureDim, { outDim: 12 }).projector },
  ];
}

/** Features (and the head's projections) of raw pixel images [N, C, H, W] (0..255), normalised as dogo does. */
export async function ourOutputs(
  backend: Backend, m: TestModel, weights: { encoder: Record<string, Float32Array>; head: Record<string, Float32Array> },
  pixels: Float32Array, shape: readonly [number, number, number, number], n: InputNormalization,
): Promise<{ features: Float32Array; projection: Float32Array }> {
  const g = new Graph();
  const x = g.input('x', shape);
  const c = shape[1];
  // As ssl's normalizePixels (not imported: @dogo/onnx sits below @dogo/ssl).
  const normalized = ops.add(ops.mul(x, g.constant(n.std.map((s) => 1 / (255 * s)), [1, c, 1, 1])), g.constant(n.mean.map((mu, i) => -mu / n.std[i]!), [1, c, 1, 1]));
  const ec = new ForwardContext(g, { training: false, prefix: 'e.' });
  const f = m.encoder.forward(ec, normalized);
  const hc = new ForwardContext(g, { training: false, prefix: 'h.' });
  const p = m.head.forward(hc, f);
  const initialState: Record<string, Feed> = {};
  for (const k of ec.stateNames()) initialState[k] = weights.encoder[k.slice(2)]!;
  for (const k of hc.stateNames()) initialState[k] = weights.head[k.slice(2)]!;
  const exe = await backend.compile({ outputs: { f, p }, initialState });
  try {
    const out = await exe.run({ x: pixels });
    return { features: Float32Array.from(out['f']!.data), projection: Float32Array.from(out['p']!.data) };
  } finally {
    exe.destroy();
  }
}

/** Largest |a - b| over two equally long arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} and ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
