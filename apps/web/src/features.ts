/**
 * Frozen-encoder features for the kNN monitor, compiled once per model and reused at every evaluation
 * (ssl's extractFeatures compiles anew on each call; on WebGPU that means creating every pipeline again).
 * Evaluation mode: running statistics, no augmentation, fixed-size batches with the last one padded.
 */
import { Graph, type Backend, type Executable } from '@dogo/core';
import { ForwardContext, type Module } from '@dogo/nn';
import type { Dataset } from '@dogo/data';
import { normalizePixels, type FeatureSet, type Normalization } from '@dogo/ssl';

export class FeatureExtractor {
  private constructor(
    private readonly exe: Executable,
    private readonly stateNames: readonly string[],
    private readonly batch: number,
    private readonly dim: number,
  ) {}

  static async create(backend: Backend, encoder: Module, shape: readonly [number, number, number], normalization: Normalization, batch: number): Promise<FeatureExtractor> {
    const g = new Graph();
    const x = g.input('images', [batch, ...shape]);
    const ctx = new ForwardContext(g, { training: false, prefix: '' });
    const f = encoder.forward(ctx, normalizePixels(x, normalization));
    const exe = await backend.compile({ outputs: { f } });
    return new FeatureExtractor(exe, ctx.stateNames(), batch, f.shape[1]!);
  }

  /** Loads the encoder's current weights (local names, as CohortTrainer.encoderState gives them). */
  async load(weights: Readonly<Record<string, Float32Array>>): Promise<void> {
    for (const name of this.stateNames) {
      const w = weights[name];
      if (!w) throw new RangeError(`FeatureExtractor: no weights for "${name}"`);
      await this.exe.writeState(name, w);
    }
  }

  async features(data: Dataset): Promise<FeatureSet> {
    const b = this.batch;
    const sample = data.channels * data.height * data.width;
    const out = new Float32Array(data.count * this.dim);
    const buf = new Float32Array(b * sample);
    for (let start = 0; start < data.count; start += b) {
      const n = Math.min(b, data.count - start);
      buf.fill(0);
      buf.set(data.images.subarray(start * sample, (start + n) * sample));
      const r = await this.exe.run({ images: buf });
      out.set(r['f']!.data.subarray(0, n * this.dim), start * this.dim);
    }
    return { features: out, labels: data.labels, count: data.count, dim: this.dim };
  }

  destroy(): void {
    this.exe.destroy();
  }
}
