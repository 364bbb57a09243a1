/**
 * The augmented views the page shows: a small separate executable (resized crop, and colour jitter for RGB)
 * that recomputes model 0's two views of the first few images of the batch just trained on. The crop boxes
 * and colour parameters are redrawn from the trainer's augmentation RNG state taken before the step, in the
 * order CohortTrainer.trainStep draws them (model 0 view 1, then model 0 view 2, each boxes then colour),
 * so the pictures are the views the step used. Pixels come back as uint8, before normalisation.
 */
import { Graph, Rng, ops, type Backend, type Executable, type RngState } from '@dogo/core';
import { colorAugment, sampleColorParams, sampleCropBoxes, type CohortConfig } from '@dogo/ssl';

export class ViewRenderer {
  private constructor(
    private readonly exe: Executable,
    private readonly config: CohortConfig,
    /** Images shown per view. */
    readonly count: number,
  ) {}

  static async create(backend: Backend, config: CohortConfig, count: number): Promise<ViewRenderer> {
    const [c, h, w] = config.imageShape;
    const n = Math.min(count, config.batchSize);
    const g = new Graph();
    const images = g.input('images', [n, c, h, w]);
    const outputs: Record<string, ReturnType<typeof ops.add>> = {};
    for (const v of [0, 1]) {
      const crop = ops.resizedCrop(images, g.input(`boxes.${v}`, [n, 5]), [h, w]);
      outputs[`view.${v}`] = c === 1 || c === 3 ? ops.mul(colorAugment(ops.mul(crop, 1 / 255), g.input(`color.${v}`, [n, 6])), 255) : crop;
    }
    return new ViewRenderer(await backend.compile({ outputs }), config, n);
  }

  /** Model 0's two views of the first `count` images of `batch`, as [2, count, C, H, W] uint8. */
  async render(batch: Uint8Array, rngBefore: RngState): Promise<Uint8Array> {
    const { config, count: n } = this;
    const [c, h, w] = config.imageShape;
    const rng = Rng.fromState(rngBefore);
    const feeds: Record<string, Float32Array> = { images: Float32Array.from(batch.subarray(0, n * c * h * w)) };
    for (const v of [0, 1]) {
      feeds[`boxes.${v}`] = Float32Array.from(sampleCropBoxes(rng, config.batchSize, h, w, config.crop).subarray(0, n * 5));
      if (c === 1 || c === 3) feeds[`color.${v}`] = Float32Array.from(sampleColorParams(rng, config.batchSize, config.color).subarray(0, n * 6));
    }
    const out = await this.exe.run(feeds);
    const pixels = new Uint8Array(2 * n * c * h * w);
    for (const v of [0, 1]) {
      const data = out[`view.${v}`]!.data;
      for (let i = 0; i < data.length; i++) pixels[v * data.length + i] = Math.max(0, Math.min(255, Math.round(data[i]!)));
    }
    return pixels;
  }

  destroy(): void {
    this.exe.destroy();
  }
}
