/**
 * Dynamic batching: requests that arrive together share one forward pass. Internal to the service. A request
 * queues its images; the queue is drained one forward pass at a time, each taking whole requests in arrival order
 * up to `maxBatch` images (a larger request goes alone and the embedder chunks it). Before each pass the batcher
 * waits `maxDelayMs` (unless the queue already fills a batch): a forward pass on wasm holds the event loop, and
 * fastify takes several turns of it to parse a request, so without the wait each pass would carry one request.
 * Under load each pass then carries every request that arrived during the one before. A full queue refuses new
 * work (QueueFullError) rather than growing without bound.
 */
/// <reference types="node" />
import { DogoError } from '@dogo/core';

/** The queue holds `maxQueuedImages` already; the request should be retried later (HTTP 503). */
export class QueueFullError extends DogoError {}

export interface BatcherStats {
  /** Requests answered (or failed) so far. */
  requests: number;
  images: number;
  forwardPasses: number;
  /** Most images one forward pass carried. */
  largestPass: number;
  /** Images waiting now. */
  queuedImages: number;
}

interface Job {
  pixels: Float32Array;
  count: number;
  resolve: (features: Float32Array) => void;
  reject: (e: unknown) => void;
}

export interface BatcherOptions {
  /** Values per image. */
  imageSize: number;
  /** Features per image. */
  dim: number;
  /** Most images one pass takes from the queue (whole requests only). */
  maxBatch: number;
  /** Most images waiting at once. */
  maxQueuedImages: number;
  /** Milliseconds a pass waits for more requests to join it (default 5); 0 still lets arrived requests be parsed. */
  maxDelayMs?: number;
}

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class EmbeddingBatcher {
  private readonly queue: Job[] = [];
  private queued = 0;
  private draining = false;
  private readonly counts: Omit<BatcherStats, 'queuedImages'> = { requests: 0, images: 0, forwardPasses: 0, largestPass: 0 };

  constructor(private readonly run: (pixels: Float32Array, count: number) => Promise<Float32Array>, private readonly o: BatcherOptions) {}

  /** Features [count, dim] of the request's images, computed in a pass shared with whatever else is queued. */
  submit(pixels: Float32Array, count: number): Promise<Float32Array> {
    if (this.queued + count > this.o.maxQueuedImages) {
      return Promise.reject(new QueueFullError(`the service is busy: ${this.queued} images are waiting (at most ${this.o.maxQueuedImages}); retry shortly`));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ pixels, count, resolve, reject });
      this.queued += count;
      if (!this.draining) {
        this.draining = true;
        void this.drain();
      }
    });
  }

  stats(): BatcherStats {
    return { ...this.counts, queuedImages: this.queued };
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        if (this.queued < this.o.maxBatch) await wait(this.o.maxDelayMs ?? 5);
        const jobs: Job[] = [this.queue.shift()!];
        let total = jobs[0]!.count;
        while (this.queue.length > 0 && total + this.queue[0]!.count <= this.o.maxBatch) {
          const j = this.queue.shift()!;
          jobs.push(j);
          total += j.count;
        }
        this.queued -= total;
        const pixels = new Float32Array(total * this.o.imageSize);
        let at = 0;
        for (const j of jobs) {
          pixels.set(j.pixels, at * this.o.imageSize);
          at += j.count;
        }
        this.counts.forwardPasses++;
        this.counts.largestPass = Math.max(this.counts.largestPass, total);
        try {
          const features = await this.run(pixels, total);
          at = 0;
          for (const j of jobs) {
            j.resolve(features.slice(at * this.o.dim, (at + j.count) * this.o.dim));
            at += j.count;
          }
        } catch (e) {
          for (const j of jobs) j.reject(e);
        }
        this.counts.requests += jobs.length;
        this.counts.images += total;
      }
    } finally {
      this.draining = false;
    }
  }
}
