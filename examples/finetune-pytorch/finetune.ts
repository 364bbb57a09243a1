/**
 * Example: fine-tuning from PyTorch weights, on Node. pretrained.safetensors is a small ResNet trained in PyTorch
 * (make_weights.py: torchvision's BasicBlock, state-dict names) on the Fashion-MNIST subset's training split;
 * here @dogo/nn's resnetSmall of the same layout loads it by name (loadStateDict checks every name and shape),
 * a new linear classifier goes on top, and both are fine-tuned on 20 labelled images per class, the backbone with
 * a smaller learning rate (two optimisers in one step). The same recipe from random weights is the baseline.
 * Throws when the fine-tuned model misses the floor or does not beat the baseline.
 *
 *   npm run build && node tools/run-ts.mjs --built examples/finetune-pytorch/finetune.ts [epochs]
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Graph, crossEntropy, type Backend, type Node } from '@dogo/core';
import { firstPerClass, type Dataset } from '@dogo/data';
import { loadEmbeddedFashionMnist } from '@dogo/data/node';
import { ForwardContext, LinearClassifier, accuracy, adam, compileInference, compileTrainStep, fit, loadStateDict, resnetSmall, type ResNet } from '@dogo/nn';
import { createBackend } from '@dogo/platform';
import { FASHION_MNIST_NORMALIZATION, normalizePixels } from '@dogo/ssl';

/** Test accuracy the fine-tuned model must reach (0.762 measured with 10 epochs; 0.572 from random weights). */
export const ACCURACY_FLOOR = 0.7;
const WEIGHTS = fileURLToPath(new URL('./pretrained.safetensors', import.meta.url));

/** Logits of raw pixels [batch, 1, 28, 28]: the encoder under `encoder.`, the classifier under `head.`. */
function classifier(encoder: ResNet, head: LinearClassifier, g: Graph, batch: number, training: boolean) {
  const enc = new ForwardContext(g, { training, prefix: 'encoder.' });
  const cls = new ForwardContext(g, { training, prefix: 'head.' });
  const logits: Node = head.forward(cls, encoder.forward(enc, normalizePixels(g.input('x', [batch, 1, 28, 28]), FASHION_MNIST_NORMALIZATION)));
  return { logits, enc, cls };
}

/** Trains encoder + head on `train` for `epochs` epochs, from `weights` when given; returns test accuracy. */
async function fineTune(backend: Backend, train: Dataset, test: Dataset, epochs: number, weights?: Record<string, Float32Array>): Promise<number> {
  const encoder = resnetSmall({ stageChannels: [8, 16, 32], blocksPerStage: 1, inChannels: 1 });
  const head = new LinearClassifier(encoder.featureDim, 10);
  const g = new Graph();
  const { logits, enc, cls } = classifier(encoder, head, g, 20, true);
  const step = await compileTrainStep(backend, {
    loss: crossEntropy(logits, g.input('y', [20], 'int32')),
    // A pretrained backbone moves slowly; a new one, like the new head, learns at the head's rate.
    optimizer: [adam(enc.parameters(), { lr: weights ? 3e-4 : 3e-3, name: 'backbone' }), adam(cls.parameters(), { lr: 3e-3, name: 'head' })],
    ...(weights ? { initialState: Object.fromEntries(Object.entries(weights).map(([k, v]) => [`encoder.${k}`, v])) } : {}),
  });
  const predict = await compileInference(backend, { outputs: { logits: classifier(encoder, head, new Graph(), 100, false).logits }, shareWith: step });
  await fit(step, train, { epochs });
  const acc = await accuracy(predict, test);
  predict.destroy();
  step.destroy();
  return acc;
}

export async function main(args: string[] = []): Promise<{ pretrained: number; scratch: number }> {
  const epochs = Number(args[0] ?? 10);
  const { train, test } = await loadEmbeddedFashionMnist();
  const labelled = firstPerClass(train, 20);
  const backend = await createBackend('auto', { log: console.log });
  const weights = loadStateDict(resnetSmall({ stageChannels: [8, 16, 32], blocksPerStage: 1, inChannels: 1 }), readFileSync(WEIGHTS), { source: WEIGHTS });
  console.log(`loaded ${Object.keys(weights).length} tensors from ${WEIGHTS}`);
  const pretrained = await fineTune(backend, labelled, test, epochs, weights);
  const scratch = await fineTune(backend, labelled, test, epochs);
  console.log(`test accuracy after ${epochs} epochs on ${labelled.count} labelled images: ${(100 * pretrained).toFixed(1)}% from the PyTorch weights, ${(100 * scratch).toFixed(1)}% from random weights`);
  if (!(pretrained >= ACCURACY_FLOOR)) throw new Error(`finetune-pytorch: accuracy ${pretrained} is below ${ACCURACY_FLOOR}`);
  if (!(pretrained > scratch)) throw new Error(`finetune-pytorch: the PyTorch weights (${pretrained}) did not beat random weights (${scratch})`);
  return { pretrained, scratch };
}
