/**
 * @dogo/data on Node: file-backed loaders (Fashion-MNIST on disk, the embedded subset, image
 * folders). Public entry "@dogo/data/node". The only place in this package that may touch node:fs;
 * everything it parses goes through the platform-neutral readers of "@dogo/data".
 */
/// <reference types="node" />
import { fileURLToPath } from 'node:url';
import { DEFAULT_FASHION_MNIST_DIR, loadFashionMnistFrom, type FashionMnist } from './node/fashion_mnist_files.js';

export { DEFAULT_FASHION_MNIST_DIR } from './node/fashion_mnist_files.js';
export type { FashionMnist } from './node/fashion_mnist_files.js';
export { loadImageFolder, decodeImageFile, decodeImageBytes, sniffImageFormat } from './node/image_folder.js';
export type { ImageFolderOptions, DecodeLimits } from './node/image_folder.js';

// Resolved here, one level under the package root, so it holds from src/ (tests) and dist/ (builds).
const EMBEDDED_DIR = fileURLToPath(new URL('../assets/fashion-mnist-subset/', import.meta.url));

/**
 * Loads Fashion-MNIST from `dir` (default /usr/share/datasets/fashion-mnist/, Debian's
 * dataset-fashion-mnist). Throws DatasetNotFoundError listing the files looked for.
 */
export function loadFashionMnist(dir: string = DEFAULT_FASHION_MNIST_DIR): Promise<FashionMnist> {
  return loadFashionMnistFrom(dir, 'install them with `apt-get install dataset-fashion-mnist`, or pass the folder holding them (--data DIR)');
}

/**
 * Loads the Fashion-MNIST subset shipped in this package: the first 500 training and first 100 test
 * images of each class (5000 + 1000, 28x28), made by tools/make-embedded-fashion-mnist.mjs.
 */
export function loadEmbeddedFashionMnist(): Promise<FashionMnist> {
  return loadFashionMnistFrom(EMBEDDED_DIR, 'the package is incomplete: run `node tools/make-embedded-fashion-mnist.mjs` from the repository root', 'fashion-mnist-subset');
}

/** The folder holding the embedded subset's IDX files. */
export const EMBEDDED_FASHION_MNIST_DIR = EMBEDDED_DIR;
