/**
 * Example: DoGo on your own images, on Node. Images are read from a folder with one sub-folder per class
 * (DIR/train/<class>/*.png|jpg and DIR/test/<class>/...; the labels only score the kNN evaluation), then
 * examples/dogo/dogo.ts trains a student beside a peer. Without a folder, it first writes one from the
 * Fashion-MNIST subset shipped with @dogo/data (PNG files), to show the layout. Throws when the peer's NT-Xent
 * loss does not fall or its kNN accuracy ends below the floor.
 *
 *   npm run build && node tools/run-ts.mjs --built examples/dogo-images/dogo_images.ts [DIR] [steps]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { firstPerClass, type Dataset } from '@dogo/data';
import { loadEmbeddedFashionMnist, loadImageFolder } from '@dogo/data/node';
import { createBackend } from '@dogo/platform';
import { mean, trainDogo, type DogoResult } from '../dogo/dogo.js';

/** kNN accuracy (ten classes: chance is 0.1) the student must reach. */
export const KNN_FLOOR = 0.4;

/** Writes `data` as DIR/<split>/<class>/<i>.png (grayscale). */
function writePngFolder(data: Dataset, dir: string): void {
  const { width, height } = data;
  for (let i = 0; i < data.count; i++) {
    const cls = path.join(dir, data.classes[data.labels[i]!]!.replace(/[^a-z0-9]+/gi, '_'));
    mkdirSync(cls, { recursive: true });
    const png = new PNG({ width, height, colorType: 0, inputColorType: 0, inputHasAlpha: false });
    png.data = Buffer.from(data.images.subarray(i * width * height, (i + 1) * width * height));
    writeFileSync(path.join(cls, `${i}.png`), PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false }));
  }
}

export async function main(args: string[] = []): Promise<DogoResult> {
  let dir = args[0];
  const steps = Number(args[1] ?? 40);
  let made: string | undefined;
  if (!dir) {
    const { train, test } = await loadEmbeddedFashionMnist();
    made = dir = mkdtempSync(path.join(os.tmpdir(), 'dogo-images-'));
    writePngFolder(firstPerClass(train, 100), path.join(dir, 'train'));
    writePngFolder(firstPerClass(test, 50), path.join(dir, 'test'));
    console.log(`wrote 1000 training and 500 test PNG files under ${dir}`);
  }
  try {
    const train = loadImageFolder(path.join(dir, 'train'), { channels: 1 });
    const test = loadImageFolder(path.join(dir, 'test'), { channels: 1 });
    console.log(`${train.count} training and ${test.count} test images, ${train.classes.length} classes, ${train.height}x${train.width}`);
    const backend = await createBackend('auto', { log: console.log });
    const r = await trainDogo(backend, train, test, { steps, log: console.log });
    console.log(`student kNN accuracy: ${(100 * r.knnBefore).toFixed(1)}% at initialisation, ${(100 * r.knnAfter).toFixed(1)}% after ${steps} steps`);
    const [first, last] = [mean(r.ntXent.peer, 0, 10), mean(r.ntXent.peer, steps - 10, steps)];
    if (!(last < first)) throw new Error(`dogo-images: the peer's NT-Xent loss did not fall (mean ${first} over the first 10 steps, ${last} over the last 10)`);
    if (!(r.knnAfter >= KNN_FLOOR)) throw new Error(`dogo-images: kNN accuracy ${r.knnAfter} is below ${KNN_FLOOR}`);
    return r;
  } finally {
    if (made) rmSync(made, { recursive: true, force: true });
  }
}
