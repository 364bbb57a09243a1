import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { classCounts, firstPerClass } from '../dataset.js';
import { DatasetNotFoundError } from '../errors.js';
import { DEFAULT_FASHION_MNIST_DIR, loadEmbeddedFashionMnist, loadFashionMnist } from '../node.js';

describe('Fashion-MNIST on disk', () => {
  it('loads the embedded subset: balanced, 500/100 per class, 28x28, 10 classes', async () => {
    const { train, test } = await loadEmbeddedFashionMnist();
    for (const [d, per] of [[train, 500], [test, 100]] as const) {
      expect(d).toMatchObject({ count: per * 10, channels: 1, height: 28, width: 28 });
      expect(d.classes).toHaveLength(10);
      expect(d.images.length).toBe(per * 10 * 784);
      expect(classCounts(d)).toEqual(new Array(10).fill(per));
    }
    expect(train.name).toBe('fashion-mnist-subset/train');
  });

  it('says which files it looked for and how to get them', async () => {
    await expect(loadFashionMnist('/nonexistent/fmnist')).rejects.toThrow(DatasetNotFoundError);
    await expect(loadFashionMnist('/nonexistent/fmnist')).rejects.toThrow(/looked for \/nonexistent\/fmnist\/train-images-idx3-ubyte\(\.gz\).*apt-get install dataset-fashion-mnist.*--data DIR/);
  });

  // CI installs dataset-fashion-mnist, so there a missing folder is a failure, not a skip.
  const present = existsSync(DEFAULT_FASHION_MNIST_DIR);
  const mustRun = present || process.env.CI === 'true';
  if (!mustRun) {
    console.warn(`SKIPPED: full Fashion-MNIST test: ${DEFAULT_FASHION_MNIST_DIR} not found (apt-get install dataset-fashion-mnist)`);
  }
  it(`loads the full dataset from ${DEFAULT_FASHION_MNIST_DIR}, and the embedded subset is its first images per class`, async (ctx) => {
    if (!mustRun) ctx.skip(`${DEFAULT_FASHION_MNIST_DIR} not found (apt-get install dataset-fashion-mnist)`);
    const full = await loadFashionMnist();
    expect(full.train.count).toBe(60000);
    expect(full.test.count).toBe(10000);
    expect(classCounts(full.train)).toEqual(new Array(10).fill(6000));
    expect(classCounts(full.test)).toEqual(new Array(10).fill(1000));
    const sub = await loadEmbeddedFashionMnist();
    for (const [f, s, per] of [[full.train, sub.train, 500], [full.test, sub.test, 100]] as const) {
      const taken = new Array<number>(10).fill(0);
      let k = 0;
      for (let i = 0; i < f.count && k < s.count; i++) {
        const l = f.labels[i];
        if (taken[l] === per) continue;
        taken[l]++;
        expect(s.labels[k]).toBe(l);
        if (k % 97 === 0) expect(s.images.subarray(k * 784, (k + 1) * 784)).toEqual(f.images.subarray(i * 784, (i + 1) * 784));
        k++;
      }
      expect(k).toBe(s.count);
    }
    // firstPerClass takes the same images, so `trainSubset: 5000` on the full set trains on the embedded subset.
    const first = firstPerClass(full.train, 500);
    expect(first.labels).toEqual(sub.train.labels);
    expect(first.images).toEqual(sub.train.images);
  });
});
