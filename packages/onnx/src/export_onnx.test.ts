/**
 * The exported ONNX models run in ONNX Runtime (onnxruntime-node, CPU) and give our features and projections:
 * two encoders covering every layer of the table (basic and bottleneck blocks, CIFAR and ImageNet stems, max-pool,
 * affine and non-affine batch norms, Linear with and without bias), on the embedded Fashion-MNIST test images
 * and on random RGB images, compared with the same model on our wasm backend. Also: the model's structure
 * (opset, IR version, dynamic batch, initializer names), and refusals naming what cannot be exported.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Graph, Rng, ops, type Backend } from '@dogo/core';
import { Linear, Sequential, trainedLikeWeights, type Module, type ForwardContext } from '@dogo/nn';
import { loadEmbeddedFashionMnist } from '@dogo/data/node';
import { createNodeWasmBackend } from '@dogo/node';
import * as ort from 'onnxruntime-node';
import { decodeOnnxModel, exportOnnx, OnnxExportError, ONNX_OPSET } from './index.js';
import { maxAbsDiff, ourOutputs, testModels } from './test_models.js';

const FMNIST = { mean: [0.286], std: [0.353] };
const RGB = { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] };
let backend: Backend;

beforeAll(async () => {
  backend = await createNodeWasmBackend({ threads: 1 });
});
afterAll(() => (backend as unknown as { destroy?: () => void }).destroy?.());

async function runOrt(model: Uint8Array, pixels: Float32Array, shape: number[]): Promise<Record<string, Float32Array>> {
  const session = await ort.InferenceSession.create(model);
  try {
    const out = await session.run({ pixels: new ort.Tensor('float32', pixels, shape) });
    return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, t.data as Float32Array]));
  } finally {
    await session.release();
  }
}

describe('ONNX export, run by ONNX Runtime (Node)', () => {
  it('gives our features and projections on the embedded test images (1 channel, 28x28) within 1e-4', async () => {
    const { test } = await loadEmbeddedFashionMnist();
    const n = 64;
    const pixels = Float32Array.from(test.images.subarray(0, n * 784));
    for (const [i, m] of testModels(1).entries()) {
      const weights = { encoder: trainedLikeWeights(m.encoder, 10 + i), head: trainedLikeWeights(m.head, 20 + i) };
      const bytes = exportOnnx({ encoder: m.encoder, weights: weights.encoder, head: { module: m.head, weights: weights.head }, imageShape: [1, 28, 28], normalization: FMNIST });
      const ours = await ourOutputs(backend, m, weights, pixels, [n, 1, 28, 28], FMNIST);
      const theirs = await runOrt(bytes, pixels, [n, 1, 28, 28]);
      const df = maxAbsDiff(theirs['features']!, ours.features);
      const dp = maxAbsDiff(theirs['projection']!, ours.projection);
      process.stdout.write(`[onnx] ${m.what}: ${n} embedded test images, max |ORT - ours| features ${df.toExponential(2)}, projection ${dp.toExponential(2)} (feature scale ${maxAbsDiff(ours.features, new Float32Array(ours.features.length)).toFixed(2)})\n`);
      expect(df).toBeLessThan(1e-4);
      expect(dp).toBeLessThan(1e-4);
      // The features are not trivially small or constant, so the bound says something.
      expect(new Set(ours.features).size).toBeGreaterThan(ours.features.length / 2);
    }
  });

  it('gives our features on RGB images at batch sizes it was not traced with (dynamic batch)', async () => {
    const m = testModels(3)[0]!;
    const weights = { encoder: trainedLikeWeights(m.encoder, 3), head: trainedLikeWeights(m.head, 4) };
    const bytes = exportOnnx({ encoder: m.encoder, weights: weights.encoder, imageShape: [3, 16, 16], normalization: RGB });
    const rng = new Rng(5);
    for (const n of [1, 7]) {
      const pixels = Float32Array.from({ length: n * 3 * 16 * 16 }, () => Math.floor(256 * rng.uniform()));
      const ours = await ourOutputs(backend, m, weights, pixels, [n, 3, 16, 16], RGB);
      const theirs = await runOrt(bytes, pixels, [n, 3, 16, 16]);
      expect(Object.keys(theirs)).toEqual(['features']);
      expect(maxAbsDiff(theirs['features']!, ours.features)).toBeLessThan(1e-4);
    }
  });

  it('writes opset 17, a dynamic batch, torchvision-named initializers and the given metadata', () => {
    const m = testModels(1)[0]!;
    const bytes = exportOnnx({ encoder: m.encoder, weights: trainedLikeWeights(m.encoder, 1), imageShape: [1, 12, 12], normalization: FMNIST, metadata: { arch: 'resnet-small' } });
    const model = decodeOnnxModel(bytes) as {
      irVersion: number; opsetImport: { version: number }[]; metadataProps: { key: string; value: string }[];
      graph: { initializer: { name: string; dims: number[] }[]; input: { name: string; type: { tensorType: { shape: { dim: Record<string, unknown>[] } } } }[]; node: { opType: string }[] };
    };
    expect(model.irVersion).toBe(8);
    expect(model.opsetImport.map((o) => o.version)).toEqual([ONNX_OPSET]);
    expect(ONNX_OPSET).toBeGreaterThanOrEqual(17);
    expect(model.graph.input[0]!.name).toBe('pixels');
    expect(model.graph.input[0]!.type.tensorType.shape.dim).toEqual([{ dimParam: 'batch' }, { dimValue: 1 }, { dimValue: 12 }, { dimValue: 12 }]);
    const names = model.graph.initializer.map((t) => t.name);
    for (const [name, spec] of m.encoder.namedParameters()) {
      expect(names).toContain(name);
      expect(model.graph.initializer.find((t) => t.name === name)!.dims).toEqual(spec.shape);
    }
    expect(new Set(model.graph.node.map((nd) => nd.opType))).toEqual(new Set(['Mul', 'Add', 'Conv', 'BatchNormalization', 'Relu', 'GlobalAveragePool', 'Flatten', 'Identity']));
    expect(model.metadataProps).toEqual([{ key: 'arch', value: 'resnet-small' }]);
  });

  it('refuses a primitive with no ONNX form, naming it, and a missing weight, naming the tensor', () => {
    class Squash extends Sequential {
      override forward(ctx: ForwardContext, x: ReturnType<Graph['input']>) {
        return ops.tanh(super.forward(ctx, x));
      }
    }
    const odd: Module = new Squash(new Linear(4, 3));
    expect(() => exportOnnx({ encoder: wrap(odd), weights: { '0.weight': new Float32Array(12), '0.bias': new Float32Array(3) }, imageShape: [4, 1, 1], normalization: { mean: [0, 0, 0, 0], std: [1, 1, 1, 1] } }))
      .toThrow(/cannot export tanh.*op "tanh".*add a row to packages\/onnx\/src\/module_ops.ts/);
    const m = testModels(1)[0]!;
    const w = trainedLikeWeights(m.encoder, 1);
    delete w['layer2.0.bn2.running_var'];
    expect(() => exportOnnx({ encoder: m.encoder, weights: w, imageShape: [1, 12, 12], normalization: FMNIST })).toThrow(OnnxExportError);
    expect(() => exportOnnx({ encoder: m.encoder, weights: w, imageShape: [1, 12, 12], normalization: FMNIST })).toThrow('no value for "layer2.0.bn2.running_var"');
  });
});

/** Images [N, C, 1, 1] -> [N, C], then `inner`. */
function wrap(inner: Module): Module {
  return new (class extends Sequential {
    constructor() {
      super(inner);
    }
    override forward(ctx: ForwardContext, x: ReturnType<Graph['input']>) {
      return super.forward(ctx, ops.reshape(x, [x.shape[0]!, x.shape[1]!]));
    }
  })();
}
