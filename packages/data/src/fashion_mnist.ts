/**
 * Fashion-MNIST (Zalando, MIT) from IDX bytes: class names, file names and the pairing of an images
 * file with its labels file into a Dataset. Public. Platform-neutral: finding the files is node.ts's job.
 */
import type { Dataset } from './dataset.js';
import { CorruptDatasetError } from './errors.js';
import { readIdxImages, readIdxLabels } from './idx.js';

/** The ten Fashion-MNIST classes, indexed by label. */
export const FASHION_MNIST_CLASSES: readonly string[] = Object.freeze([
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
]);

/** File names of the two splits, without the optional ".gz" suffix. */
export const FASHION_MNIST_FILES = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
} as const;

/** Source bytes of one IDX split: images and labels, each gzipped or not, with names for errors. */
export interface IdxSplitBytes {
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
  readonly imagesSource?: string;
  readonly labelsSource?: string;
}

/** Pairs an IDX images file with its labels file into a one-channel Dataset named `name`. */
export async function idxDataset(split: IdxSplitBytes, name: string, classes: readonly string[]): Promise<Dataset> {
  const imagesSource = split.imagesSource ?? `${name} images`;
  const labelsSource = split.labelsSource ?? `${name} labels`;
  const [img, lab] = await Promise.all([readIdxImages(split.images, imagesSource), readIdxLabels(split.labels, labelsSource, classes.length)]);
  if (img.count !== lab.count) {
    throw new CorruptDatasetError(`${labelsSource}: byte offset 4: ${lab.count} labels but ${imagesSource} holds ${img.count} images; the two files belong to different splits or one is damaged`);
  }
  return {
    name,
    images: img.images,
    labels: Int32Array.from(lab.labels),
    count: img.count,
    channels: 1,
    height: img.height,
    width: img.width,
    classes,
  };
}

/** One Fashion-MNIST split (name "fashion-mnist/train" or ".../test" unless given) from IDX bytes. */
export async function fashionMnistDataset(split: IdxSplitBytes, name = 'fashion-mnist'): Promise<Dataset> {
  return idxDataset(split, name, FASHION_MNIST_CLASSES);
}
