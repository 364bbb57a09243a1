/**
 * Finds and reads Fashion-MNIST IDX files (gzipped or not) in a directory. Node only.
 * Parsing is fashion_mnist.ts's; this file only knows names and paths.
 */
/// <reference types="node" />
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Dataset } from '../dataset.js';
import { DatasetNotFoundError } from '../errors.js';
import { FASHION_MNIST_FILES, fashionMnistDataset } from '../fashion_mnist.js';

/** Where Debian's `dataset-fashion-mnist` package installs the files. */
export const DEFAULT_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist/';

/** Both splits of Fashion-MNIST. */
export interface FashionMnist {
  readonly train: Dataset;
  readonly test: Dataset;
}

/** Reads the four Fashion-MNIST files from `dir`, each as `<name>.gz` or `<name>`. */
export async function loadFashionMnistFrom(dir: string, how: string, name = 'fashion-mnist'): Promise<FashionMnist> {
  const missing: string[] = [];
  const find = (base: string): string => {
    for (const candidate of [`${base}.gz`, base]) {
      const p = path.join(dir, candidate);
      if (existsSync(p)) return p;
    }
    missing.push(path.join(dir, `${base}(.gz)`));
    return '';
  };
  const files = {
    train: { images: find(FASHION_MNIST_FILES.train.images), labels: find(FASHION_MNIST_FILES.train.labels) },
    test: { images: find(FASHION_MNIST_FILES.test.images), labels: find(FASHION_MNIST_FILES.test.labels) },
  };
  if (missing.length > 0) {
    throw new DatasetNotFoundError(`Fashion-MNIST not found: looked for ${missing.join(', ')}; ${how}`);
  }
  const load = (split: { images: string; labels: string }, splitName: string): Promise<Dataset> =>
    fashionMnistDataset(
      { images: readFileSync(split.images), labels: readFileSync(split.labels), imagesSource: split.images, labelsSource: split.labels },
      `${name}/${splitName}`,
    );
  const [train, test] = await Promise.all([load(files.train, 'train'), load(files.test, 'test')]);
  return { train, test };
}
