/**
 * Interop and deployment commands end to end, as a user runs them (the built `dogo` in a child process, on the
 * tiny IDX dataset): `dogo export` (safetensors with counters and the metadata that rebuilds the encoder, and
 * ONNX), `dogo train --init NAME=FILE` (strict and non-strict, shape mismatches, refused with --resume), and
 * `dogo serve` (a run folder and an exported file; health, embeddings equal to the run's features, kNN labels,
 * 4xx errors, a clean stop on SIGTERM).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { decodeSafetensors, encodeSafetensors, readEncoderFile, type SafeTensor } from '@dogo/nn';
import { decodeOnnxModel } from '@dogo/onnx';
import { extractFeatures } from '@dogo/ssl';
import { loadData } from '../train/datasets.js';
import { createBackend } from '../backends.js';
import { dogo, makeWorkspace, startDogo, waitUntil, writeConfig, type Workspace } from '../train/test_dogo_process.js';
import { readParts, readRunModel } from './run_folder.js';
import { SIZE } from '../train/test_tiny_dataset.js';

let ws: Workspace;
let run = '';
const STEPS = 3;
/** `dogo export` of the student: the file the other tests start from. */
let exported: { code: number | null; out: string };

beforeAll(async () => {
  ws = await makeWorkspace('dogo-interop-');
  run = path.join(ws.work, 'run');
  const r = dogo(ws, ['train', '--config', writeConfig(ws, 'base', { steps: STEPS, linearEpochs: 0 }), '--out', run]);
  expect(r.code, r.out).toBe(0);
  exported = dogo(ws, ['export', run, '--model', 'student', '--out', file('student.safetensors')]);
}, 300_000);
afterAll(() => rmSync(ws.work, { recursive: true, force: true }));

const file = (name: string) => path.join(ws.work, name);

describe('dogo export', () => {
  it('writes safetensors that rebuild the encoder: torchvision names, num_batches_tracked, format pt, layout, normalisation', () => {
    const out = file('student.safetensors');
    expect(exported.code, exported.out).toBe(0);
    expect(exported.out).toContain(`wrote ${out}`);
    const bytes = new Uint8Array(readFileSync(out));
    const { tensors, metadata } = decodeSafetensors(bytes, out);
    expect(metadata).toMatchObject({
      format: 'pt', arch: 'resnet-small', block: 'basic', stages: '[4,8]', blocks: '[1,1]', width: '1', stem: 'cifar', stem_channels: '4',
      in_channels: '1', feature_dim: '8', input_mean: '[0.286]', input_std: '[0.353]', image_size: `${SIZE}x${SIZE}`, model: 'student', step: String(STEPS),
    });
    const counters = Object.keys(tensors).filter((k) => k.endsWith('num_batches_tracked'));
    expect(counters).toContain('layer2.0.downsample.1.num_batches_tracked');
    for (const k of counters) expect(tensors[k]).toMatchObject({ dtype: 'I64', shape: [], data: BigInt64Array.of(BigInt(STEPS)) });
    // The file alone rebuilds the model, and its values are the checkpoint's, bit for bit.
    const { encoder, read } = readEncoderFile(bytes, out);
    const checkpoint = readParts(run, 'encoder').parts['student']!;
    expect(encoder.featureDim).toBe(8);
    expect(Object.keys(read.values).sort()).toEqual(Object.keys(checkpoint).sort());
    for (const [k, v] of Object.entries(checkpoint)) expect(read.values[k], k).toEqual(v);
  });

  it('documents the metadata and the PyTorch rebuild in --help, and refuses unknown formats', () => {
    const help = dogo(ws, ['export', '--help']);
    expect(help.code).toBe(0);
    for (const s of ['--format <f>', 'num_batches_tracked', 'load_state_dict(strict=True)', 'input_mean, input_std', 'docs/pytorch.md', 'opset 17']) expect(help.out).toContain(s);
    const bad = dogo(ws, ['export', run, '--format', 'pt']);
    expect(bad.code).not.toBe(0);
    expect(bad.out).toContain('--format must be one of safetensors, onnx, got "pt"');
  });

  it('writes ONNX (opset 17, dynamic batch) with the projection head and the metadata', () => {
    const out = file('peer.onnx');
    const r = dogo(ws, ['export', run, '--model', 'peer', '--format', 'onnx', '--head', '--out', out]);
    expect(r.code, r.out).toBe(0);
    const m = decodeOnnxModel(new Uint8Array(readFileSync(out))) as {
      opsetImport: { version: number }[]; metadataProps: { key: string; value: string }[];
      graph: { input: { name: string; type: { tensorType: { shape: { dim: Record<string, unknown>[] } } } }[]; output: { name: string }[]; initializer: { name: string }[] };
    };
    expect(m.opsetImport[0]!.version).toBeGreaterThanOrEqual(17);
    expect(m.graph.input[0]!.type.tensorType.shape.dim).toEqual([{ dimParam: 'batch' }, { dimValue: 1 }, { dimValue: SIZE }, { dimValue: SIZE }]);
    expect(m.graph.output.map((o) => o.name)).toEqual(['features', 'projection']);
    expect(m.graph.initializer.map((t) => t.name)).toContain('head.0.weight');
    expect(Object.fromEntries(m.metadataProps.map((p) => [p.key, p.value]))).toMatchObject({ arch: 'resnet-small', stages: '[8,8]', model: 'peer', input_mean: '[0.286]' });
  });
});

describe('dogo train --init', () => {
  /** The student's export with a classifier's tensors added, as a torchvision state dict has them. */
  function withClassifier(): string {
    const src = decodeSafetensors(new Uint8Array(readFileSync(file('student.safetensors'))));
    const tensors: Record<string, SafeTensor> = { ...src.tensors, 'fc.weight': { dtype: 'F32', shape: [10, 8], data: new Float32Array(80) }, 'fc.bias': { dtype: 'F32', shape: [10], data: new Float32Array(10) } };
    const out = file('with-fc.safetensors');
    writeFileSync(out, encodeSafetensors(tensors, { format: 'pt' }));
    return out;
  }
  // Another seed than the exported run's, so seeded values differ from the file's.
  const cfg = () => writeConfig(ws, 'init', { steps: 1, linearEpochs: 0, checkpointEvery: 0, seed: 7 });

  it('starts the student from the file and says what it loaded', () => {
    const none = dogo(ws, ['train', '--config', cfg(), '--out', file('run-init-none')]);
    expect(none.code, none.out).toBe(0);
    const out = file('run-init');
    const r = dogo(ws, ['train', '--config', cfg(), '--out', out, '--init', `student=${file('student.safetensors')}`]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain(`init: student encoder from ${file('student.safetensors')}: 30 of 30 encoder tensors loaded; 6 num_batches_tracked ignored`);
    // After one Adam step (lr 3e-3) every convolution weight is within 3e-3 of the file's, not at its seeded value.
    const given = readEncoderFile(new Uint8Array(readFileSync(file('student.safetensors'))), 'export').read.values;
    const after = readRunModel(out, 'student').weights;
    const seeded = readRunModel(file('run-init-none'), 'student').weights;
    for (const k of ['conv1.weight', 'layer1.0.conv2.weight', 'layer2.0.downsample.0.weight']) {
      const d = Math.max(...after[k]!.map((v, i) => Math.abs(v - given[k]![i]!)));
      const far = Math.max(...seeded[k]!.map((v, i) => Math.abs(v - given[k]![i]!)));
      expect(d, k).toBeLessThan(3.1e-3);
      expect(far, k).toBeGreaterThan(0.05);
    }
  }, 300_000);

  it('refuses extra tensors by name unless --init-non-strict, shapes that do not fit, and --resume', () => {
    const fc = withClassifier();
    const strict = dogo(ws, ['train', '--config', cfg(), '--out', file('run-fc'), '--init', `student=${fc}`]);
    expect(strict.code).not.toBe(0);
    expect(strict.out).toMatch(/Unexpected key\(s\): "fc\.weight", "fc\.bias"/);
    expect(strict.out).toContain('--init-non-strict');
    const loose = dogo(ws, ['train', '--config', cfg(), '--out', file('run-fc'), '--init', `student=${fc}`, '--init-non-strict']);
    expect(loose.code, loose.out).toBe(0);
    expect(loose.out).toContain('30 of 30 encoder tensors loaded; 6 num_batches_tracked ignored; not in the model (ignored): fc.weight, fc.bias');
    const shapes = dogo(ws, ['train', '--config', cfg(), '--out', file('run-shapes'), '--init', `peer=${file('student.safetensors')}`]);
    expect(shapes.code).not.toBe(0);
    expect(shapes.out).toContain('size mismatch for conv1.weight: copying a param with shape [4,1,3,3] from checkpoint, the shape in current model is [8,1,3,3]');
    const resume = dogo(ws, ['train', '--config', cfg(), '--out', file('run-init'), '--resume', '--init', `student=${file('student.safetensors')}`]);
    expect(resume.code).not.toBe(0);
    expect(resume.out).toContain('--init and --resume exclude each other');
    for (const [flag, message] of [['nobody=x.safetensors', 'the run has no model "nobody"; models: student, peer'], ['student', '--init takes NAME=FILE.safetensors'], ['student=missing.safetensors', 'missing.safetensors not found']]) {
      const r = dogo(ws, ['train', '--config', cfg(), '--out', file('run-bad'), '--init', flag!]);
      expect(r.code, flag).not.toBe(0);
      expect(r.out, flag).toContain(message);
    }
  }, 300_000);
});

describe('dogo serve', () => {
  /** The exported student without its image_size metadata. */
  function noSizeFile(): string {
    const bare = decodeSafetensors(new Uint8Array(readFileSync(file('student.safetensors'))));
    const { image_size: _dropped, ...meta } = bare.metadata;
    writeFileSync(file('no-size.safetensors'), encodeSafetensors(bare.tensors, meta));
    return file('no-size.safetensors');
  }

  async function serve(args: string[]) {
    const child = startDogo(ws, ['serve', ...args, '--port', '0', '--backend', 'wasm', '--threads', '1']);
    let url = '';
    await waitUntil(child, () => {
      const m = /listening on (http:\/\/\S+)/.exec(child.output());
      if (m) url = m[1]!;
      return m !== null;
    }, 'the service to listen');
    return { child, url };
  }

  it('serves a run: health, embeddings equal to the run\'s features, kNN labels, 4xx errors, a clean stop', async () => {
    const { child, url } = await serve([run, '--model', 'student', '--knn-data', `fashion-mnist:${ws.dataDir}`, '--k', '5']);
    try {
      const health = await (await fetch(`${url}/health`)).json();
      expect(health).toMatchObject({ status: 'ok', backend: 'wasm', featureDim: 8, input: { shape: [1, SIZE, SIZE] }, model: { name: 'student', step: STEPS }, knn: { references: 80, k: 5 } });
      const { test } = await loadData(`fashion-mnist:${ws.dataDir}`);
      const m = readRunModel(run, 'student');
      const want = (await extractFeatures(await createBackend('wasm', { threads: 1 }), m.encoder, m.weights, test, m.normalization)).features;
      const png = new PNG({ width: SIZE, height: SIZE, colorType: 0, inputColorType: 0, bitDepth: 8 });
      png.data = Buffer.from(test.images.subarray(0, SIZE * SIZE));
      const r = await fetch(`${url}/embed`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: new Uint8Array(PNG.sync.write(png, { colorType: 0, inputColorType: 0 })) });
      expect(r.status).toBe(200);
      const got = ((await r.json()) as { embeddings: number[][] }).embeddings[0]!;
      expect(Math.max(...got.map((v, i) => Math.abs(v - want[i]!)))).toBeLessThan(1e-5);
      const knn = await fetch(`${url}/knn`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array(Float32Array.from(test.images.subarray(0, 4 * SIZE * SIZE)).buffer) });
      expect(knn.status).toBe(200);
      const preds = ((await knn.json()) as { predictions: { label: number; class: string }[] }).predictions;
      expect(preds.length).toBe(4);
      for (const p of preds) expect(test.classes[p.label]).toBe(p.class);
      const bad = await fetch(`${url}/embed`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: 'not a png' });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: string }).error).toContain('not a PNG or JPEG image');
    } finally {
      child.child.kill('SIGTERM');
    }
    expect(await child.exited).toBe(0);
    expect(child.output()).toMatch(/SIGTERM: stopping after the requests in flight\nserved 2 requests, 5 images in 2 forward passes/);
  });

  it('serves an exported file, rebuilt from its metadata alone, and refuses a file without an input size', async () => {
    const { child, url } = await serve([file('student.safetensors')]);
    try {
      const health = await (await fetch(`${url}/health`)).json();
      expect(health).toMatchObject({ model: { arch: 'resnet-small', stem: 'cifar', stageChannels: [4, 8], step: STEPS }, input: { shape: [1, SIZE, SIZE] }, knn: null });
    } finally {
      child.child.kill('SIGTERM');
    }
    expect(await child.exited).toBe(0);
    const r = dogo(ws, ['serve', noSizeFile(), '--port', '0']);
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('does not say its input size (no image_size metadata); pass --size HxW');
  });

  it('applies --size, --max-batch, --max-images and --max-body-bytes', async () => {
    const imageBytes = SIZE * SIZE * 4;
    const bodyLimit = 5 * imageBytes;
    const { child, url } = await serve([noSizeFile(), '--size', `${SIZE}x${SIZE}`, '--max-batch', '2', '--max-images', '3', '--max-body-bytes', String(bodyLimit)]);
    const post = (count: number) => fetch(`${url}/embed`, {
      method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array(count * imageBytes),
    });
    const error = async (r: Response) => ((await r.json()) as { error: string }).error;
    try {
      const health = (await (await fetch(`${url}/health`)).json()) as { input: Record<string, unknown>; batching: Record<string, unknown> };
      expect(health.input).toMatchObject({ shape: [1, SIZE, SIZE], maxImages: 3, maxBodyBytes: bodyLimit });
      expect(health.batching).toMatchObject({ maxBatch: 2, compiledSizes: [1, 2] }); // the default compiles 1, 2, 4, ... 64
      const three = await post(3); // runs as 2 + 1
      expect(three.status).toBe(200);
      expect(((await three.json()) as { count: number }).count).toBe(3);
      const four = await post(4); // within the body limit, over the image count
      expect(four.status).toBe(413);
      expect(await error(four)).toContain('the request holds 4 images; at most 3 per request');
      const six = await post(6); // over the body limit
      expect(six.status).toBe(413);
      expect(await error(six)).toContain(`the body is larger than ${bodyLimit} bytes`);
    } finally {
      child.child.kill('SIGTERM');
    }
    expect(await child.exited).toBe(0);
  });

  it('refuses bad flag values, naming the flag', () => {
    const cases: [string[], string][] = [
      [[file('student.safetensors'), '--max-batch', '0'], '--max-batch must be a positive integer, got "0"'],
      [[file('student.safetensors'), '--max-images', 'many'], '--max-images must be a positive integer, got "many"'],
      [[file('student.safetensors'), '--threads', '1.5'], '--threads must be a positive integer, got "1.5"'],
      [[file('student.safetensors'), '--size', '28'], '--size must be HxW (e.g. 28x28), got "28"'],
      [[run, '--size', '28x28'], '--size applies to a FILE'],
      [[file('student.safetensors'), '--k', '3'], '--knn-per-class and --k apply to --knn-data SPEC'],
    ];
    for (const [args, message] of cases) {
      const r = dogo(ws, ['serve', ...args, '--port', '0']);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.out, args.join(' ')).toContain(message);
    }
  });
});
