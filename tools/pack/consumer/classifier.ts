// A small classifier with dogo's public API, as an npm user writes it: the same file runs on Node and in a browser.
import { Graph, Rng, crossEntropy } from '@dogo/core';
import { ForwardContext, Linear, ReLU, Sequential, accuracy, adam, compileInference, compileTrainStep, fit } from '@dogo/nn';
import { createBackend } from '@dogo/platform';

/** `count` points of three Gaussian blobs in 4 dimensions, labelled by blob. */
export function blobs(count: number, seed: number) {
  const rng = new Rng(seed);
  const inputs = new Float32Array(count * 4);
  const labels = Int32Array.from({ length: count }, (_, i) => i % 3);
  inputs.forEach((_, j) => { inputs[j] = (j % 4 === labels[Math.floor(j / 4)] ? 2 : 0) + rng.normal(0, 0.7); });
  return { inputs, labels, count };
}

/** Trains an MLP with Adam on `train` (batches of 16) for `epochs` epochs on wasm; returns the losses and test accuracy. */
export async function trainClassifier(train: ReturnType<typeof blobs>, epochs: number, threads = 1) {
  const backend = await createBackend('wasm', { threads });
  const model = new Sequential(new Linear(4, 32), new ReLU(), new Linear(32, 3));
  const g = new Graph();
  const ctx = new ForwardContext(g, { training: true });
  const loss = crossEntropy(model.forward(ctx, g.input('x', [16, 4])), g.input('y', [16], 'int32'));
  const step = await compileTrainStep(backend, { loss, optimizer: adam(ctx.parameters(), { lr: 0.01 }), seed: 1 });
  const e = new Graph();
  const logits = model.forward(new ForwardContext(e, { training: false }), e.input('x', [50, 4]));
  const predict = await compileInference(backend, { outputs: { logits }, shareWith: step });
  const history = await fit(step, train, { epochs });
  return { steps: step.stepIndex, losses: history.map((h) => h.loss), accuracy: await accuracy(predict, blobs(300, 2)) };
}
