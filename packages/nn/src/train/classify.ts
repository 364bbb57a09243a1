/**
 * Class predictions and accuracy of a compiled forward pass (compileInference) over labelled samples, in the
 * pass's fixed batch size with the last batch padded. Public.
 */
import { DogoError } from '@dogo/core';
import type { Inference } from './inference.js';
import { feedGeometry, gatherRows, pickFeed, samplesOf, type LabeledData } from './labeled_data.js';

/** Settings of predictClasses and accuracy. */
export interface ClassifyOptions {
  /** The input feed (default: the pass's one float32 input). */
  inputFeed?: string;
  /** The logits output [batch, classes] (default: the pass's only output). */
  output?: string;
}

/** The arg-max class of every sample of `data`. */
export async function predictClasses(model: Inference, data: LabeledData, options: ClassifyOptions = {}): Promise<Int32Array> {
  const exe = model.executable;
  const inputFeed = pickFeed(exe, model.inputNames, 'float32', options.inputFeed, 'input');
  const outputs = [...exe.plan.outputs.keys()];
  const output = options.output ?? (outputs.length === 1 ? outputs[0]! : undefined);
  if (output === undefined || !exe.plan.outputs.has(output)) throw new DogoError(`predictClasses: name the logits output among ${outputs.join(', ')}`);
  const { batch, sample } = feedGeometry(exe, inputFeed);
  const samples = samplesOf(data);
  if (samples.length !== data.count * sample) throw new DogoError(`predictClasses: the data hold ${samples.length} values, expected ${data.count} x ${sample}`);
  const x = new Float32Array(batch * sample);
  const out = new Int32Array(data.count);
  for (let from = 0; from < data.count; from += batch) {
    const n = Math.min(batch, data.count - from);
    gatherRows(samples, null, from, n, sample, x);
    const logits = (await model.run({ [inputFeed]: x }, [output]))[output]!;
    const classes = logits.shape[1] ?? 1;
    for (let k = 0; k < n; k++) {
      let best = 0;
      for (let c = 1; c < classes; c++) if (logits.data[k * classes + c]! > logits.data[k * classes + best]!) best = c;
      out[from + k] = best;
    }
  }
  return out;
}

/** Top-1 accuracy (0..1) of `model` on `data`. */
export async function accuracy(model: Inference, data: LabeledData, options: ClassifyOptions = {}): Promise<number> {
  const pred = await predictClasses(model, data, options);
  let correct = 0;
  for (let i = 0; i < data.count; i++) if (pred[i] === data.labels[i]) correct++;
  return data.count === 0 ? 0 : correct / data.count;
}
