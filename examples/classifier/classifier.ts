/**
 * Example: a supervised classifier on the Fashion-MNIST subset shipped with @dogo/data (5000 training and 1000
 * test images), on Node. A small MLP trained with Adam by `fit`, evaluated after every epoch by an inference pass
 * that shares the training step's weights. Throws when test accuracy ends below the floor.
 *
 *   npm run build && node tools/run-ts.mjs --built examples/classifier/classifier.ts [epochs]
 */
import { Graph, crossEntropy, ops, type Node } from '@dogo/core';
import { loadEmbeddedFashionMnist } from '@dogo/data/node';
import { BatchNorm1d, ForwardContext, Linear, ReLU, Sequential, accuracy, adam, compileInference, compileTrainStep, fit } from '@dogo/nn';
import { createBackend } from '@dogo/platform';

/** Test accuracy the example must reach (an MLP gets about 0.8 on this subset in three epochs). */
export const ACCURACY_FLOOR = 0.75;

const PIXELS = 28 * 28;

/** Logits of a batch of raw 0..255 pixels [batch, 784] through `model`. */
function logitsOf(model: Sequential, g: Graph, batch: number, training: boolean): { logits: Node; ctx: ForwardContext } {
  const ctx = new ForwardContext(g, { training });
  const x = ops.mul(g.input('x', [batch, PIXELS]), 1 / 255);
  return { logits: model.forward(ctx, x), ctx };
}

export async function main(args: string[] = []): Promise<{ accuracy: number[] }> {
  const epochs = Number(args[0] ?? 3);
  const { train, test } = await loadEmbeddedFashionMnist();
  const backend = await createBackend('auto', { log: console.log });
  const model = new Sequential(new Linear(PIXELS, 128), new BatchNorm1d(128), new ReLU(), new Linear(128, 10));

  const g = new Graph();
  const { logits, ctx } = logitsOf(model, g, 100, true);
  const loss = crossEntropy(logits, g.input('y', [100], 'int32'));
  const step = await compileTrainStep(backend, { loss, optimizer: adam(ctx.parameters(), { lr: 1e-3 }), seed: 0 });
  // Eval mode (batch norm's running statistics), another batch size, the same weights: compiled once.
  const predict = await compileInference(backend, { outputs: { logits: logitsOf(model, new Graph(), 250, false).logits }, shareWith: step });

  const history: number[] = [];
  await fit(step, train, {
    epochs,
    onEpochEnd: async (e) => {
      history.push(await accuracy(predict, test));
      console.log(`epoch ${e.epoch + 1}: loss ${e.loss.toFixed(3)}, test accuracy ${(100 * history.at(-1)!).toFixed(1)}% (${e.seconds.toFixed(1)} s)`);
    },
  });
  predict.destroy();
  step.destroy();
  if (!(history.at(-1)! >= ACCURACY_FLOOR)) throw new Error(`classifier: test accuracy ${history.at(-1)} is below ${ACCURACY_FLOOR}`);
  return { accuracy: history };
}
