/**
 * Frozen-encoder features: compiles the encoder alone in evaluation mode (running statistics, no
 * augmentation) and runs it over a dataset in fixed-size batches, padding the last one.
 */
import { Graph, type Backend, type Feed, type Node, type PlanSpec } from '@dogo/core';
import { ForwardContext, type Module } from '@dogo/nn';
import type { Dataset } from '@dogo/data';
import { normalizePixels, type Normalization } from '../augment/views.js';

export interface FeatureSet {
  /** Row-major [count, dim]. */
  features: Float32Array;
  labels: Int32Array;
  count: number;
  dim: number;
}

/** Images per run of the feature extractor (the last batch is padded). */
export const FEATURE_BATCH = 256;

/** The feature extractor's graph: `batch` images [batch, C, H, W] (0..255) through the encoder in eval mode. */
export function featureGraph(encoder: Module, imageShape: readonly [number, number, number], normalization: Normalization, batch = FEATURE_BATCH): { spec: PlanSpec; f: Node; stateNames: string[] } {
  const g = new Graph();
  const x = g.input('images', [batch, ...imageShape]);
  const ctx = new ForwardContext(g, { training: false, prefix: '' });
  const f = encoder.forward(ctx, normalizePixels(x, normalization));
  return { spec: { outputs: { f } }, f, stateNames: ctx.stateNames() };
}

export async function extractFeatures(
  backend: Backend, encoder: Module, weights: Readonly<Record<string, Float32Array>>, data: Dataset, normalization: Normalization, batchSize = FEATURE_BATCH,
): Promise<FeatureSet> {
  const b = Math.min(batchSize, data.count);
  const { f, stateNames } = featureGraph(encoder, [data.channels, data.height, data.width], normalization, b);
  const initialState: Record<string, Feed> = {};
  for (const name of stateNames) {
    const w = weights[name];
    if (!w) throw new RangeError(`extractFeatures: no weights for "${name}"`);
    initialState[name] = w;
  }
  const exe = await backend.compile({ outputs: { f }, initialState });
  const dim = f.shape[1]!;
  const sample = data.channels * data.height * data.width;
  const out = new Float32Array(data.count * dim);
  const buf = new Float32Array(b * sample);
  try {
    for (let start = 0; start < data.count; start += b) {
      const n = Math.min(b, data.count - start);
      buf.fill(0);
      buf.set(data.images.subarray(start * sample, (start + n) * sample));
      const r = await exe.run({ images: buf });
      out.set(r['f']!.data.subarray(0, n * dim), start * dim);
    }
  } finally {
    exe.destroy();
  }
  return { features: out, labels: data.labels, count: data.count, dim };
}
