/**
 * Labelled samples on the host and the batches fed from them: rows copied into one reused buffer per feed, the
 * last partial batch padded with zeros where asked. Internal to fit.ts and classify.ts (the type is public).
 */
import { DogoError, type Executable } from '@dogo/core';

/** Samples with class labels: `inputs` row-major (count × the input's per-sample size), or a Dataset's `images` (uint8 pixels, fed as 0..255). */
export type LabeledData =
  | { readonly inputs: Float32Array | Uint8Array; readonly labels: Int32Array; readonly count: number }
  | { readonly images: Uint8Array; readonly labels: Int32Array; readonly count: number };

/** The sample array of `data`. */
export function samplesOf(data: LabeledData): Float32Array | Uint8Array {
  return 'inputs' in data ? data.inputs : data.images;
}

/** The one input of `exe` with `dtype` among `names`, or the one named `given`; an error says which to name. */
export function pickFeed(exe: Executable, names: readonly string[], dtype: 'float32' | 'int32', given: string | undefined, what: string): string {
  if (given !== undefined) {
    if (!exe.plan.inputs.has(given)) throw new DogoError(`${what} feed "${given}" is no input of the step; inputs are: ${names.join(', ')}`);
    return given;
  }
  const matches = names.filter((n) => exe.plan.values[exe.plan.inputs.get(n)!]!.dtype === dtype);
  if (matches.length !== 1) throw new DogoError(`cannot tell the ${what} feed among ${names.join(', ') || 'no inputs'} (${matches.length} are ${dtype}); name it in the options`);
  return matches[0]!;
}

/** Shape of input `name` of `exe`: the batch size and the elements per sample. */
export function feedGeometry(exe: Executable, name: string): { batch: number; sample: number } {
  const v = exe.plan.values[exe.plan.inputs.get(name)!]!;
  const batch = v.shape[0] ?? 1;
  return { batch, sample: batch === 0 ? 0 : v.size / batch };
}

/** Checks that `data` holds `count` samples of `sample` elements and `count` labels. */
export function checkData(data: LabeledData, sample: number): void {
  const x = samplesOf(data);
  if (x.length !== data.count * sample) throw new DogoError(`the data hold ${x.length} values, expected count ${data.count} x ${sample} per sample (the step's input shape)`);
  if (data.labels.length !== data.count) throw new DogoError(`the data hold ${data.labels.length} labels for ${data.count} samples`);
}

/** Copies rows `rows[from..from+n)` of `src` (rows from..from+n when `rows` is null; sample elements each) into `dst`, zero-filling the rest. */
export function gatherRows(src: Float32Array | Uint8Array, rows: ArrayLike<number> | null, from: number, n: number, sample: number, dst: Float32Array): void {
  for (let k = 0; k < n; k++) {
    const r = rows ? rows[from + k]! : from + k;
    dst.set(src.subarray(r * sample, (r + 1) * sample), k * sample);
  }
  dst.fill(0, n * sample);
}
