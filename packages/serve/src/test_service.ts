/**
 * Test helper: a small encoder with weights that look trained (batch-norm tensors off 1 and 0), the embedded
 * Fashion-MNIST splits, PNG encoding of their images, and a service over them on the wasm backend.
 */
import { Rng, type Backend } from '@dogo/core';
import { firstPerClass, type Dataset } from '@dogo/data';
import { loadEmbeddedFashionMnist } from '@dogo/data/node';
import { resnetSmall, type ResNet } from '@dogo/nn';
import { createNodeWasmBackend } from '@dogo/node';
import { PNG } from 'pngjs';
import { EmbeddingService, type EmbeddingServiceOptions } from './service.js';

export const NORM = { mean: [0.286], std: [0.353] };

export function testEncoder(): { encoder: ResNet; weights: Record<string, Float32Array> } {
  const encoder = resnetSmall({ stageChannels: [8, 16], blocksPerStage: 1, inChannels: 1 });
  const weights = encoder.initialState(new Rng(4));
  const rng = new Rng(5);
  for (const [name, spec] of encoder.namedParameters()) {
    if (spec.kind === 'bn_weight' || spec.kind === 'running_var') weights[name] = weights[name]!.map(() => 0.5 + rng.uniform());
    if (spec.kind === 'bn_bias' || spec.kind === 'running_mean') weights[name] = weights[name]!.map(() => rng.uniform() - 0.5);
  }
  return { encoder, weights };
}

/** 20 training images per class (the kNN references) and the test split. */
export async function testData(): Promise<{ references: Dataset; test: Dataset }> {
  const { train, test } = await loadEmbeddedFashionMnist();
  return { references: firstPerClass(train, 20), test };
}

/** Image i of a 1-channel dataset as PNG bytes (gray, 8 bits). */
export function pngOf(d: Dataset, i: number): Uint8Array {
  const png = new PNG({ width: d.width, height: d.height, colorType: 0, inputColorType: 0, bitDepth: 8 });
  const n = d.width * d.height;
  png.data = Buffer.from(d.images.subarray(i * n, (i + 1) * n));
  return new Uint8Array(PNG.sync.write(png, { colorType: 0, inputColorType: 0 }));
}

/** Images start..start+count of a dataset as float32 pixel values. */
export function pixelsOf(d: Dataset, start: number, count: number): Float32Array {
  const n = d.channels * d.width * d.height;
  return Float32Array.from(d.images.subarray(start * n, (start + count) * n));
}

let wasm: Promise<Backend> | undefined;
export function testBackend(): Promise<Backend> {
  wasm ??= createNodeWasmBackend({ threads: 1 });
  return wasm;
}

export async function testService(extra: Partial<EmbeddingServiceOptions> = {}): Promise<EmbeddingService> {
  const { encoder, weights } = testEncoder();
  const { references } = await testData();
  return EmbeddingService.create({
    backend: await testBackend(), encoder, weights, imageShape: [1, 28, 28], normalization: NORM, maxBatch: 32,
    model: { name: 'test', arch: 'resnet-small' }, backendName: 'wasm', knn: { data: references, k: 10 }, ...extra,
  });
}
