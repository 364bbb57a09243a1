/**
 * Seeded, epoch-shuffled mini-batches over a Dataset, with one batch of prefetch and a resumable
 * position. Public. Platform-neutral. Epoch e's order is a permutation drawn from
 * `new Rng(seed).fork('batch_loader').fork(e)`, so any (seed, epoch, position) replays exactly.
 * Yields raw uint8 pixels; normalisation and augmentation are graph ops, not done here.
 */
import { Rng } from '@dogo/core';
import { checkDataset, type Dataset } from './dataset.js';

/** Options of a BatchLoader. */
export interface BatchLoaderOptions {
  readonly batchSize: number;
  /** Seed of the data order (a non-negative safe integer). */
  readonly seed: number;
  /** Drop the last, short batch of each epoch (default true: every batch has `batchSize` images). */
  readonly dropLast?: boolean;
  /** Reshuffle every epoch (default true); false keeps file order. */
  readonly shuffle?: boolean;
}

/** One mini-batch: NCHW uint8 images, their labels and their indices into the dataset. */
export interface Batch {
  readonly images: Uint8Array;
  readonly labels: Int32Array;
  readonly indices: Int32Array;
  readonly size: number;
  readonly epoch: number;
  /** Position of this batch within its epoch (0-based). */
  readonly position: number;
}

/** Where the loader is: the epoch and position of the next batch `next()` returns. */
export interface BatchLoaderState {
  readonly epoch: number;
  readonly position: number;
}

interface Prefetch {
  readonly epoch: number;
  readonly position: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  batch: Batch | undefined;
}

/** Iterates batches forever, epoch after epoch; `getState`/`setState` checkpoint the position. */
export class BatchLoader {
  /** Batches in one epoch. */
  readonly batchesPerEpoch: number;
  private readonly batchSize: number;
  private readonly seed: number;
  private readonly dropLast: boolean;
  private readonly shuffle: boolean;
  private epoch = 0;
  private position = 0;
  private orderEpoch = -1;
  private order = new Int32Array(0);
  private prefetch: Prefetch | undefined;

  constructor(
    readonly dataset: Dataset,
    options: BatchLoaderOptions,
  ) {
    checkDataset(dataset);
    const { batchSize, seed } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`BatchLoader: batchSize ${batchSize} must be a positive integer`);
    if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`BatchLoader: seed ${seed} must be a non-negative safe integer`);
    this.batchSize = batchSize;
    this.seed = seed;
    this.dropLast = options.dropLast ?? true;
    this.shuffle = options.shuffle ?? true;
    this.batchesPerEpoch = this.dropLast ? Math.floor(dataset.count / batchSize) : Math.ceil(dataset.count / batchSize);
    if (this.batchesPerEpoch === 0) {
      throw new RangeError(`BatchLoader: dataset "${dataset.name}" has ${dataset.count} images, fewer than one batch of ${batchSize}${this.dropLast ? ' with dropLast' : ''}; lower batchSize or set dropLast: false`);
    }
  }

  /** Returns the next batch and starts assembling the one after it while the caller works. */
  async next(): Promise<Batch> {
    const p = this.prefetch;
    let batch: Batch | undefined;
    if (p !== undefined && p.epoch === this.epoch && p.position === this.position) batch = p.batch;
    this.cancelPrefetch();
    batch ??= this.assemble(this.epoch, this.position);
    this.position++;
    if (this.position === this.batchesPerEpoch) {
      this.epoch++;
      this.position = 0;
    }
    this.startPrefetch();
    return batch;
  }

  /** The remaining batches of the current epoch, in order. */
  async *epochBatches(): AsyncGenerator<Batch> {
    const epoch = this.epoch;
    while (this.epoch === epoch) yield await this.next();
  }

  /** The epoch and position of the next batch; JSON-safe, for checkpoints. */
  getState(): BatchLoaderState {
    return { epoch: this.epoch, position: this.position };
  }

  /** Resumes at a state from `getState`; any prefetched batch is discarded. */
  setState(state: BatchLoaderState): void {
    const { epoch, position } = state;
    if (!Number.isSafeInteger(epoch) || epoch < 0 || !Number.isInteger(position) || position < 0 || position >= this.batchesPerEpoch) {
      throw new RangeError(`BatchLoader.setState: {epoch: ${epoch}, position: ${position}} is out of range (position must be in [0, ${this.batchesPerEpoch})); pass an object from getState() of a loader with the same dataset and batch size`);
    }
    this.cancelPrefetch();
    this.epoch = epoch;
    this.position = position;
  }

  /** Stops a pending prefetch so nothing runs after the caller is done. */
  close(): void {
    this.cancelPrefetch();
  }

  /** Dataset indices of epoch `epoch`, in the order they are served. */
  epochOrder(epoch: number): Int32Array {
    if (this.orderEpoch !== epoch) {
      const order = new Int32Array(this.dataset.count);
      for (let i = 0; i < order.length; i++) order[i] = i;
      if (this.shuffle) new Rng(this.seed).fork('batch_loader').fork(epoch).shuffle(order);
      this.order = order;
      this.orderEpoch = epoch;
    }
    return this.order;
  }

  private assemble(epoch: number, position: number): Batch {
    const order = this.epochOrder(epoch);
    const start = position * this.batchSize;
    const size = Math.min(this.batchSize, order.length - start);
    const d = this.dataset;
    const sample = d.channels * d.height * d.width;
    const indices = order.slice(start, start + size);
    const images = new Uint8Array(size * sample);
    const labels = new Int32Array(size);
    for (let b = 0; b < size; b++) {
      const i = indices[b];
      images.set(d.images.subarray(i * sample, (i + 1) * sample), b * sample);
      labels[b] = d.labels[i];
    }
    return { images, labels, indices, size, epoch, position };
  }

  private startPrefetch(): void {
    const p: Prefetch = { epoch: this.epoch, position: this.position, timer: undefined, batch: undefined };
    // A macrotask, so the assembly runs while the caller awaits its own work (a GPU step, a readback).
    p.timer = setTimeout(() => {
      p.timer = undefined;
      if (this.prefetch === p) p.batch = this.assemble(p.epoch, p.position);
    }, 0);
    this.prefetch = p;
  }

  private cancelPrefetch(): void {
    if (this.prefetch?.timer !== undefined) clearTimeout(this.prefetch.timer);
    this.prefetch = undefined;
  }
}
