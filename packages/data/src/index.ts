/**
 * @dogo/data: dataset readers on bytes (IDX, CIFAR binary), the Dataset type, host image helpers
 * and the seeded batch loader. Public entry; platform-neutral. File access lives in "@dogo/data/node".
 */
export type { Dataset } from './dataset.js';
export { checkDataset, classCounts, firstPerClass } from './dataset.js';
export { CorruptDatasetError, DatasetMismatchError, DatasetNotFoundError } from './errors.js';
export { checkSplitsAgree } from './splits.js';
export { isGzip, gunzip } from './gzip.js';
export { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, parseIdxImages, parseIdxLabels, readIdxImages, readIdxLabels } from './idx.js';
export type { IdxImages, IdxLabels } from './idx.js';
export { FASHION_MNIST_CLASSES, FASHION_MNIST_FILES, fashionMnistDataset, idxDataset } from './fashion_mnist.js';
export type { IdxSplitBytes } from './fashion_mnist.js';
export { readCifar10Batch, readCifar100Batch, cifar10Dataset, cifar100Dataset } from './cifar.js';
export type { CifarBatch } from './cifar.js';
export { CIFAR10_CLASSES, CIFAR100_FINE_CLASSES, CIFAR100_COARSE_CLASSES } from './cifar_classes.js';
export { toChannels, resizeHwc, writeChw } from './image_ops.js';
export type { HwcImage, ResizeMode } from './image_ops.js';
export { BatchLoader } from './batch_loader.js';
export type { Batch, BatchLoaderOptions, BatchLoaderState } from './batch_loader.js';
export { SHIFT_NAMES, SHIFT_SEVERITIES, MAX_SEVERITY, applyShift, gaussianNoise, gaussianBlur, contrast, elasticDistortion, elasticField } from './shifts/corruptions.js';
export type { ShiftName, ElasticParams } from './shifts/corruptions.js';
export { shiftedTestSets } from './shifts/shifted_test_sets.js';
export type { ShiftedTestSetsOptions } from './shifts/shifted_test_sets.js';
