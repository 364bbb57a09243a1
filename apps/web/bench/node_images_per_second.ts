/**
 * Images/s of the page's training loop on Node, for comparison with the page (same settings, same step,
 * same timing: trainStep only, first step left out). Wasm backend through @dogo/node. Run with
 * `node apps/web/bench/run-node.mjs [page query]`, e.g. `batch=32&size=28&student=8,16,32&peer=16,32,64`.
 */
import { readFileSync } from 'node:fs';
import { CohortTrainer } from '@dogo/ssl';
import { BatchLoader, fashionMnistDataset } from '@dogo/data';
import { createNodeWasmBackend } from '@dogo/node';
import { resizeDataset } from '../src/data_sources.js';
import { buildMembers, normalizationFor } from '../src/session.js';
import { settingsFromParams } from '../src/settings.js';

export async function measure(query: string, dataDir: string, threads: number | 'auto' = 'auto'): Promise<{ imagesPerSecond: number; steps: number; threads: number; seconds: number }> {
  const s = settingsFromParams(new URLSearchParams(query));
  const d = resizeDataset(await fashionMnistDataset({
    images: new Uint8Array(readFileSync(dataDir + 'train-images-idx3-ubyte.gz')),
    labels: new Uint8Array(readFileSync(dataDir + 'train-labels-idx1-ubyte.gz')),
  }, 'fashion-mnist-subset/train'), s.imageSize);
  const backend = await createNodeWasmBackend({ threads });
  const members = buildMembers(s, 1);
  const trainer = await CohortTrainer.create(backend, { members, batchSize: s.batchSize, imageShape: [1, d.height, d.width], normalization: normalizationFor(1) }, { seed: s.seed, totalSteps: s.steps });
  const loader = new BatchLoader(d, { batchSize: s.batchSize, seed: s.seed });
  const fixed = s.fixedBatch ? (await loader.next()).images : undefined;
  let secs = 0;
  let images = 0;
  for (let k = 0; k < s.steps; k++) {
    const batch = fixed ?? (await loader.next()).images;
    const t0 = performance.now();
    await trainer.trainStep(batch);
    if (k > 0) {
      secs += (performance.now() - t0) / 1000;
      images += s.batchSize;
    }
  }
  trainer.destroy();
  loader.close();
  return { imagesPerSecond: images / secs, steps: s.steps, threads: backend.runtime.threads, seconds: secs };
}
