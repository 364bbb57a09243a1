/**
 * The in-memory image classification dataset every reader produces and every loader consumes. Public.
 * Holds raw uint8 pixels; normalisation and augmentation happen later, as graph ops.
 */

/** Images as uint8 NCHW (`count * channels * height * width` bytes) with one int32 label per image. */
export interface Dataset {
  /** Short name for logs and checkpoints, e.g. "fashion-mnist/train". */
  readonly name: string;
  readonly images: Uint8Array;
  readonly labels: Int32Array;
  readonly count: number;
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  /** Class names; a label `l` names `classes[l]`. */
  readonly classes: readonly string[];
}

/** Throws a RangeError when the arrays do not match the declared sizes or a label is out of range. */
export function checkDataset(d: Dataset): void {
  const sample = d.channels * d.height * d.width;
  if (!Number.isInteger(d.count) || d.count < 0 || !(sample > 0)) {
    throw new RangeError(`dataset "${d.name}": count ${d.count} and image size ${d.channels}x${d.height}x${d.width} must be non-negative integers`);
  }
  if (d.images.length !== d.count * sample) {
    throw new RangeError(`dataset "${d.name}": images hold ${d.images.length} bytes, expected count x C x H x W = ${d.count * sample}`);
  }
  if (d.labels.length !== d.count) {
    throw new RangeError(`dataset "${d.name}": ${d.labels.length} labels for ${d.count} images`);
  }
  for (let i = 0; i < d.count; i++) {
    const l = d.labels[i];
    if (l < 0 || l >= d.classes.length) {
      throw new RangeError(`dataset "${d.name}": label ${l} of image ${i} is outside [0, ${d.classes.length})`);
    }
  }
}

/** Per-class image counts, indexed by label. */
export function classCounts(d: Dataset): number[] {
  const counts = new Array<number>(d.classes.length).fill(0);
  for (let i = 0; i < d.count; i++) counts[d.labels[i]]++;
  return counts;
}

/**
 * The first `perClass` images of each class, in file order, as a new dataset named `<name>[first N/class]`:
 * a class-balanced subset that does not depend on a seed (the embedded subset is this of Fashion-MNIST).
 * Throws a RangeError when perClass is not a positive integer or a class has fewer images.
 */
export function firstPerClass(d: Dataset, perClass: number): Dataset {
  if (!Number.isInteger(perClass) || perClass < 1) throw new RangeError(`firstPerClass: perClass must be a positive integer, got ${perClass}`);
  const counts = classCounts(d);
  const short = counts.findIndex((c) => c < perClass);
  if (short >= 0) throw new RangeError(`dataset "${d.name}": class ${d.classes[short]} has ${counts[short]} images, fewer than the ${perClass} asked for`);
  const sample = d.channels * d.height * d.width;
  const count = perClass * d.classes.length;
  const images = new Uint8Array(count * sample);
  const labels = new Int32Array(count);
  const taken = new Array<number>(d.classes.length).fill(0);
  let k = 0;
  for (let i = 0; i < d.count && k < count; i++) {
    const l = d.labels[i];
    if (taken[l] === perClass) continue;
    taken[l]++;
    images.set(d.images.subarray(i * sample, (i + 1) * sample), k * sample);
    labels[k++] = l;
  }
  return { ...d, name: `${d.name}[first ${perClass}/class]`, images, labels, count };
}
