/**
 * Checks that a training split and a test split describe the same images and labels: same channels, height,
 * width and class list (names, in order), so a label means the same class in both and every image fits the
 * model. Public. Platform-neutral. Throws DatasetMismatchError saying every difference and what to do.
 */
import type { Dataset } from './dataset.js';
import { DatasetMismatchError } from './errors.js';

function classDifference(train: readonly string[], test: readonly string[]): string | undefined {
  if (train.length === test.length && train.every((c, i) => c === test[i])) return undefined;
  const missing = train.filter((c) => !test.includes(c));
  const extra = test.filter((c) => !train.includes(c));
  const parts = [];
  if (missing.length > 0) parts.push(`the test split lacks ${missing.map((c) => `"${c}"`).join(', ')}`);
  if (extra.length > 0) parts.push(`the test split has ${extra.map((c) => `"${c}"`).join(', ')}, which training does not`);
  if (parts.length === 0) parts.push(`the same names come in another order (training: ${train.join(', ')}; test: ${test.join(', ')})`);
  return `classes differ: ${parts.join('; ')}`;
}

/** Throws DatasetMismatchError unless `train` and `test` agree on image shape and classes. `where` names the source. */
export function checkSplitsAgree(train: Dataset, test: Dataset, where: string): void {
  const problems: string[] = [];
  const shape = (d: Dataset) => `${d.channels}x${d.height}x${d.width}`;
  if (train.channels !== test.channels || train.height !== test.height || train.width !== test.width) {
    problems.push(`images are ${shape(train)} (channels x height x width) in the training split "${train.name}" but ${shape(test)} in the test split "${test.name}"`);
  }
  const classes = classDifference(train.classes, test.classes);
  if (classes) problems.push(classes);
  if (problems.length > 0) {
    throw new DatasetMismatchError(`${where}: the training and test splits do not match: ${problems.join('; ')}; labels and evaluation would be wrong, so give both splits the same image size, channels and classes`);
  }
}
