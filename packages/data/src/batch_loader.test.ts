import { describe, expect, it } from 'vitest';
import { BatchLoader, type Batch } from './batch_loader.js';
import type { Dataset } from './dataset.js';

/** `count` 2x2x2 images whose bytes encode their index, labels = index % 3. */
function toyDataset(count = 10): Dataset {
  const images = new Uint8Array(count * 8);
  for (let i = 0; i < count; i++) images.fill(i, i * 8, i * 8 + 8);
  return { name: 'toy', images, labels: Int32Array.from({ length: count }, (_, i) => i % 3), count, channels: 2, height: 2, width: 2, classes: ['a', 'b', 'c'] };
}

async function take(loader: BatchLoader, n: number): Promise<Batch[]> {
  const out: Batch[] = [];
  for (let i = 0; i < n; i++) out.push(await loader.next());
  return out;
}

const order = (bs: Batch[]): number[][] => bs.map((b) => Array.from(b.indices));

describe('BatchLoader', () => {
  it('serves consistent batches and each epoch is a fresh permutation', async () => {
    const loader = new BatchLoader(toyDataset(), { batchSize: 3, seed: 1 });
    expect(loader.batchesPerEpoch).toBe(3); // dropLast by default
    const batches = await take(loader, 6);
    for (const b of batches) {
      expect(b.size).toBe(3);
      b.indices.forEach((idx, k) => {
        expect(b.labels[k]).toBe(idx % 3);
        expect(Array.from(b.images.subarray(k * 8, k * 8 + 8))).toEqual(new Array(8).fill(idx));
      });
    }
    const e0 = batches.slice(0, 3).flatMap((b) => Array.from(b.indices));
    const e1 = batches.slice(3).flatMap((b) => Array.from(b.indices));
    expect(new Set(e0).size).toBe(9);
    expect(e0).not.toEqual(e1);
    expect(batches.map((b) => [b.epoch, b.position])).toEqual([[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2]]);
    loader.close();
  });

  it('is deterministic for a seed, whether or not the consumer yields between batches', async () => {
    const a = new BatchLoader(toyDataset(), { batchSize: 4, seed: 7 });
    const b = new BatchLoader(toyDataset(), { batchSize: 4, seed: 7 });
    const c = new BatchLoader(toyDataset(), { batchSize: 4, seed: 8 });
    const fromA = order(await take(a, 5));
    const fromB: number[][] = [];
    for (let i = 0; i < 5; i++) {
      fromB.push(Array.from((await b.next()).indices));
      await new Promise((r) => setTimeout(r, 1)); // the prefetch runs here
    }
    expect(fromB).toEqual(fromA);
    expect(order(await take(c, 5))).not.toEqual(fromA);
    [a, b, c].forEach((l) => l.close());
  });

  it('resumes the exact data order from a saved state', async () => {
    const loader = new BatchLoader(toyDataset(23), { batchSize: 5, seed: 3 });
    await take(loader, 6); // into epoch 1
    await new Promise((r) => setTimeout(r, 1));
    const saved = JSON.parse(JSON.stringify(loader.getState()));
    expect(saved).toEqual({ epoch: 1, position: 2 });
    const rest = order(await take(loader, 7));
    const resumed = new BatchLoader(toyDataset(23), { batchSize: 5, seed: 3 });
    resumed.setState(saved);
    expect(order(await take(resumed, 7))).toEqual(rest);
    // Rewinding the same loader discards its prefetched batch.
    loader.setState({ epoch: 0, position: 0 });
    const fresh = new BatchLoader(toyDataset(23), { batchSize: 5, seed: 3 });
    expect(order(await take(loader, 2))).toEqual(order(await take(fresh, 2)));
    expect(() => loader.setState({ epoch: 0, position: 4 })).toThrow(/out of range/);
    [loader, resumed, fresh].forEach((l) => l.close());
  });

  it('keeps file order without shuffle, serves the short last batch without dropLast, iterates an epoch', async () => {
    const loader = new BatchLoader(toyDataset(), { batchSize: 4, seed: 0, shuffle: false, dropLast: false });
    expect(loader.batchesPerEpoch).toBe(3);
    const seen: number[][] = [];
    for await (const b of loader.epochBatches()) seen.push(Array.from(b.indices));
    expect(seen).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    expect(loader.getState()).toEqual({ epoch: 1, position: 0 });
    loader.close();
    expect(() => new BatchLoader(toyDataset(3), { batchSize: 4, seed: 0 })).toThrow(/fewer than one batch/);
  });
});
