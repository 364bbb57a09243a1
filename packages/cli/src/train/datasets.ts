/** Resolves the --data spec to train and test datasets on disk (Node). */
import { readFileSync, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { cifar10Dataset, checkSplitsAgree, firstPerClass, readCifar10Batch, DatasetNotFoundError, type Dataset } from '@dogo/data';
import { loadEmbeddedFashionMnist, loadFashionMnist, loadImageFolder } from '@dogo/data/node';
import { ConfigError } from './train_config.js';

export interface DataSplits {
  train: Dataset;
  test: Dataset;
  /** What was loaded, for logs and reports. */
  description: string;
}

export const DATA_SPECS = 'embedded | fashion-mnist | fashion-mnist:DIR | cifar10:DIR | folder:DIR (with train/ and test/ class folders)';

/**
 * The splits of a --data spec, checked to agree (image shape, channels, classes); with trainSubset, only the
 * first trainSubset / classes training images of each class (the test split stays whole).
 */
export async function loadData(spec: string, trainSubset?: number): Promise<DataSplits> {
  const d = await loadSplits(spec);
  checkSplitsAgree(d.train, d.test, `--data ${spec}`);
  if (trainSubset === undefined) return d;
  const perClass = Math.floor(trainSubset / d.train.classes.length);
  if (perClass < 1 || perClass * d.train.classes.length !== trainSubset) {
    throw new ConfigError(`trainSubset ${trainSubset} must be a positive multiple of the ${d.train.classes.length} classes of ${spec}`);
  }
  let train: Dataset;
  try {
    train = firstPerClass(d.train, perClass);
  } catch (e) {
    throw new ConfigError(`trainSubset ${trainSubset}: ${(e as Error).message}`);
  }
  return { train, test: d.test, description: `${d.description}, training on the first ${perClass} images of each class (${train.count})` };
}

async function loadSplits(spec: string): Promise<DataSplits> {
  const [kind, ...rest] = spec.split(':');
  const arg = rest.join(':');
  switch (kind) {
    case 'embedded': {
      const d = await loadEmbeddedFashionMnist();
      return { ...d, description: 'embedded Fashion-MNIST subset (5000 train / 1000 test, 28x28)' };
    }
    case 'fashion-mnist':
    case 'idx': {
      const d = arg ? await loadFashionMnist(arg) : await loadFashionMnist();
      return { ...d, description: `Fashion-MNIST from ${arg || '/usr/share/datasets/fashion-mnist'} (${d.train.count} train / ${d.test.count} test)` };
    }
    case 'cifar10': {
      if (!arg) throw new ConfigError(`--data cifar10:DIR needs the folder holding data_batch_1.bin ... test_batch.bin`);
      const file = (n: string) => {
        const p = path.join(arg, n);
        if (!existsSync(p)) throw new DatasetNotFoundError(`CIFAR-10 file ${p} not found; DIR must hold data_batch_1.bin .. data_batch_5.bin and test_batch.bin (the "binary version")`);
        return readCifar10Batch(new Uint8Array(readFileSync(p)), p);
      };
      const train = cifar10Dataset([1, 2, 3, 4, 5].map((i) => file(`data_batch_${i}.bin`)), 'cifar-10/train');
      const test = cifar10Dataset([file('test_batch.bin')], 'cifar-10/test');
      return { train, test, description: `CIFAR-10 from ${arg}` };
    }
    case 'folder': {
      if (!arg || !existsSync(path.join(arg, 'train')) || !existsSync(path.join(arg, 'test'))) {
        throw new DatasetNotFoundError(`--data folder:DIR needs DIR/train/<class>/*.png|jpg and DIR/test/<class>/... (got "${arg}")`);
      }
      const train = loadImageFolder(path.join(arg, 'train'));
      const test = loadImageFolder(path.join(arg, 'test'));
      const classes = readdirSync(path.join(arg, 'train')).length;
      return { train, test, description: `image folder ${arg} (${classes} classes)` };
    }
    default:
      throw new ConfigError(`unknown --data "${spec}"; use ${DATA_SPECS}`);
  }
}
