/**
 * DoGo in a few lines of the library, the same code on Node and in a browser (examples dogo-images and
 * dogo-browser call it with their backend and data): a small student beside a larger peer, trained together by
 * @dogo/ssl's CohortTrainer for `steps` steps; the student's encoder is then evaluated by kNN on frozen
 * features, through an inference pass compiled once on the training step's own weights (no copy).
 */
import { Graph, type Backend } from '@dogo/core';
import { BatchLoader, type Dataset } from '@dogo/data';
import { ForwardContext, ProjectionHead, compileInference, resnetSmall, type Inference } from '@dogo/nn';
import { CohortTrainer, knnAccuracy, normalizePixels, type CohortMember, type FeatureSet, type Normalization } from '@dogo/ssl';

export interface DogoOptions {
  steps: number;
  batchSize?: number;
  seed?: number;
  log?: (line: string) => void;
}

export interface DogoResult {
  /**
   * Each model's NT-Xent loss at every step. The peer's falls from the start; the student's, pulled toward the
   * peer by distillation weighted 100, stays flat over a short run while its features improve.
   */
  ntXent: { student: number[]; peer: number[] };
  /** kNN accuracy (0..1) of the student's encoder on `test`, before and after training. */
  knnBefore: number;
  knnAfter: number;
}

function member(name: string, stageChannels: number[], lambda: number, channels: number): CohortMember {
  const encoder = resnetSmall({ stageChannels, blocksPerStage: 1, inChannels: channels });
  return { name, encoder, head: new ProjectionHead(encoder.featureDim, 128, 64), optimizer: { kind: 'adam', lr: 1e-3 }, lambda };
}

/** The encoder of `m` in eval mode on the trainer's weights (`student.encoder.*`), for batches of `batch` images. */
async function encoderPass(backend: Backend, trainer: CohortTrainer, m: CohortMember, data: Dataset, norm: Normalization, batch: number): Promise<Inference> {
  const g = new Graph();
  const x = g.input('images', [batch, data.channels, data.height, data.width]);
  const features = m.encoder.forward(new ForwardContext(g, { training: false, prefix: `${m.name}.encoder.` }), normalizePixels(x, norm));
  return compileInference(backend, { outputs: { features }, shareWith: trainer.executables.map((e) => e.executable) });
}

/** Features of every image of `data` (the last batch zero-padded). */
async function featuresOf(pass: Inference, data: Dataset, batch: number): Promise<FeatureSet> {
  const sample = data.channels * data.height * data.width;
  const buf = new Float32Array(batch * sample);
  let dim = 0;
  let features = new Float32Array(0);
  for (let start = 0; start < data.count; start += batch) {
    const n = Math.min(batch, data.count - start);
    buf.fill(0).set(data.images.subarray(start * sample, (start + n) * sample));
    const f = (await pass.run({ images: buf }))['features']!;
    if (start === 0) { dim = f.shape[1]!; features = new Float32Array(data.count * dim); }
    features.set(f.data.subarray(0, n * dim), start * dim);
  }
  return { features, labels: data.labels, count: data.count, dim };
}

/** Trains a DoGo cohort on `train`'s images (labels unused) and evaluates the student by kNN on `test`. */
export async function trainDogo(backend: Backend, train: Dataset, test: Dataset, o: DogoOptions): Promise<DogoResult> {
  const batchSize = o.batchSize ?? 32;
  const seed = o.seed ?? 0;
  const norm: Normalization = { mean: Array(train.channels).fill(0.5), std: Array(train.channels).fill(0.25) };
  const student = member('student', [8, 16, 32], 100, train.channels);
  const peer = member('peer', [16, 32, 64], 1, train.channels);
  const trainer = await CohortTrainer.create(backend, {
    members: [student, peer], batchSize, imageShape: [train.channels, train.height, train.width], normalization: norm,
  }, { seed, totalSteps: o.steps });
  const pass = await encoderPass(backend, trainer, student, train, norm, 100);
  const knn = async () => knnAccuracy(await featuresOf(pass, train, 100), await featuresOf(pass, test, 100), { classes: train.classes.length, k: 20 });
  const knnBefore = await knn();
  const loader = new BatchLoader(train, { batchSize, seed });
  const ntXent = { student: [] as number[], peer: [] as number[] };
  for (let s = 0; s < o.steps; s++) {
    const m = await trainer.trainStep((await loader.next()).images);
    ntXent.student.push(m.losses['student']!.ssl);
    ntXent.peer.push(m.losses['peer']!.ssl);
    if (s % 10 === 9) o.log?.(`step ${s + 1}: student NT-Xent ${ntXent.student.at(-1)!.toFixed(3)}, distillation ${m.losses['student']!.kd?.toFixed(4)}; peer NT-Xent ${m.losses['peer']!.ssl.toFixed(3)}`);
  }
  const knnAfter = await knn();
  pass.destroy();
  trainer.destroy();
  return { ntXent, knnBefore, knnAfter };
}

/** Mean of `xs[from, to)`. */
export function mean(xs: readonly number[], from: number, to: number): number {
  return xs.slice(from, to).reduce((a, b) => a + b, 0) / (to - from);
}
