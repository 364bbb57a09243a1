/**
 * The encoder as a batched function on a backend: pixel values in (float32 0..255, [N, C, H, W]), features out.
 * Internal to the service. Each batch size runs on an executable compiled for it (eval mode, running
 * statistics, the normalisation as graph ops, as `dogo eval` computes features); sizes are rounded up to a power
 * of two (at most `maxBatch`, padding with zeros) so a few compiled plans serve every request mix, and larger
 * inputs run in chunks of `maxBatch`. One run at a time: callers (the batcher) serialise.
 */
import { DogoError, Graph, type Backend, type Executable, type Feed } from '@dogo/core';
import { ForwardContext, type InputNormalization, type Module } from '@dogo/nn';
import { normalizePixels } from '@dogo/ssl';

export interface EmbedderOptions {
  backend: Backend;
  encoder: Module;
  /** The encoder's values by its own state-dict names. */
  weights: Readonly<Record<string, Float32Array>>;
  /** [C, H, W] of one image. */
  imageShape: readonly [number, number, number];
  normalization: InputNormalization;
  /** Largest batch of one forward pass (default 64). */
  maxBatch?: number;
  /**
   * Compile every batch size (powers of two up to maxBatch) at start (default true), so the first burst of
   * requests does not wait for compiles; false compiles each size when first needed.
   */
  precompile?: boolean;
}

export class Embedder {
  /** Values per image (C x H x W). */
  readonly imageSize: number;
  /** Features per image. */
  readonly dim: number;
  readonly maxBatch: number;
  private readonly compiled = new Map<number, Promise<Executable>>();

  private constructor(private readonly o: EmbedderOptions, dim: number) {
    this.imageSize = o.imageShape[0] * o.imageShape[1] * o.imageShape[2];
    this.dim = dim;
    this.maxBatch = o.maxBatch ?? 64;
    if (!Number.isSafeInteger(this.maxBatch) || this.maxBatch < 1) throw new RangeError(`Embedder: maxBatch must be a positive integer, got ${this.maxBatch}`);
  }

  /** Checks the weights against the encoder and compiles the plans (the one-image plan at least, so a bad model fails at start). */
  static async create(o: EmbedderOptions): Promise<Embedder> {
    const missing = [...o.encoder.namedParameters()].map(([n]) => n).filter((n) => !o.weights[n]);
    if (missing.length) throw new DogoError(`Embedder: no weights for ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''}`);
    const probe = new Graph();
    const dim = o.encoder.forward(new ForwardContext(probe, { training: false }), probe.input('pixels', [1, ...o.imageShape])).shape[1]!;
    const e = new Embedder(o, dim);
    await e.executable(1);
    if (o.precompile !== false) for (let size = 2; size < 2 * e.maxBatch; size *= 2) await e.executable(Math.min(size, e.maxBatch));
    return e;
  }

  /** Batch sizes compiled so far. */
  compiledSizes(): number[] {
    return [...this.compiled.keys()].sort((a, b) => a - b);
  }

  private executable(size: number): Promise<Executable> {
    let exe = this.compiled.get(size);
    if (!exe) {
      const g = new Graph();
      const x = g.input('pixels', [size, ...this.o.imageShape]);
      const ctx = new ForwardContext(g, { training: false });
      const features = this.o.encoder.forward(ctx, normalizePixels(x, this.o.normalization));
      const initialState: Record<string, Feed> = {};
      for (const name of ctx.stateNames()) initialState[name] = this.o.weights[name]!;
      exe = this.o.backend.compile({ outputs: { features }, initialState });
      exe.catch(() => this.compiled.delete(size));
      this.compiled.set(size, exe);
    }
    return exe;
  }

  /** Features [count, dim] of `count` images given back to back in `pixels`. */
  async embed(pixels: Float32Array, count: number): Promise<Float32Array> {
    if (pixels.length !== count * this.imageSize) throw new RangeError(`Embedder: ${pixels.length} values for ${count} images of ${this.imageSize}`);
    const out = new Float32Array(count * this.dim);
    for (let start = 0; start < count; start += this.maxBatch) {
      const n = Math.min(this.maxBatch, count - start);
      let size = 1;
      while (size < n) size *= 2;
      size = Math.min(size, this.maxBatch);
      const exe = await this.executable(size);
      const input = new Float32Array(size * this.imageSize);
      input.set(pixels.subarray(start * this.imageSize, (start + n) * this.imageSize));
      const r = await exe.run({ pixels: input });
      out.set(r['features']!.data.subarray(0, n * this.dim), start * this.dim);
    }
    return out;
  }

  destroy(): void {
    for (const exe of this.compiled.values()) void exe.then((e) => e.destroy(), () => undefined);
    this.compiled.clear();
  }
}
