/**
 * What `dogo serve` runs (serve.ts declares the command and imports this on use, so the HTTP server's
 * dependencies load only for it): the embedding service of @dogo/serve over a run's encoder or an encoder file
 * (`dogo export`, whose metadata rebuilds the model), on a backend of this machine. Stops on Ctrl-C or SIGTERM
 * after the requests in flight.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { firstPerClass, type Dataset } from '@dogo/data';
import { readEncoderFile, type InputNormalization, type ResNet } from '@dogo/nn';
import { EmbeddingService, DEFAULT_LIMITS } from '@dogo/serve';
import { selectBackend } from '../backends.js';
import { fsStep } from '../fs_errors.js';
import { loadData } from '../train/datasets.js';
import { ConfigError } from '../train/train_config.js';
import { readRunModel } from './run_folder.js';
import { refuseNonFiniteWeights } from './finite_weights.js';

function positiveInt(flag: string, v: string | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0 || (n === 0 && flag !== '--port') || (flag === '--port' && n > 65535)) throw new ConfigError(`${flag} must be a ${flag === '--port' ? 'port number' : 'positive integer'}, got "${v}"`);
  return n;
}

interface Served {
  encoder: ResNet;
  weights: Record<string, Float32Array>;
  imageShape: [number, number, number];
  normalization: InputNormalization;
  model: Record<string, unknown>;
}

function fromFile(file: string, size: string | undefined): Served {
  const { encoder, description, read } = readEncoderFile(fsStep('read', file, () => new Uint8Array(readFileSync(file))), file);
  const text = size ?? read.metadata['image_size'];
  if (text === undefined) throw new ConfigError(`${file} does not say its input size (no image_size metadata); pass --size HxW`);
  const m = /^(\d+)x(\d+)$/.exec(text);
  if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) throw new ConfigError(`${size !== undefined ? '--size' : `${file}: image_size`} must be HxW (e.g. 28x28), got "${text}"`);
  return {
    encoder, weights: read.values, imageShape: [description.layout.inChannels, Number(m[1]), Number(m[2])], normalization: description.normalization,
    model: { file, arch: description.arch, ...description.layout, ...(read.metadata['step'] ? { step: Number(read.metadata['step']) } : {}) },
  };
}

function fromRun(dir: string, name: string | undefined): Served {
  const run = readRunModel(dir, name);
  return {
    encoder: run.encoder, weights: run.weights, imageShape: run.imageShape, normalization: run.normalization,
    model: { run: dir, name: run.config.name, arch: run.config.arch, step: run.step },
  };
}

/** The flag values of `dogo serve`, as text (checked here, naming the flag). */
export interface ServeValues {
  port?: string; host?: string; model?: string; size?: string; backend?: string; threads?: string;
  knnData?: string; knnPerClass?: string; k?: string; maxBatch?: string; maxBodyBytes?: string; maxImages?: string;
}

/** Serves `target` (a run folder or an encoder file) until Ctrl-C or SIGTERM; returns the exit code. */
export async function runServe(target: string, values: ServeValues): Promise<number> {
  if (!existsSync(target)) throw new ConfigError(`${target} not found: pass a run folder of \`dogo train\` or an encoder file of \`dogo export\``);
  const isDir = statSync(target).isDirectory();
  if (isDir && values.size) throw new ConfigError('--size applies to a FILE; a run folder knows its image size');
  if (!isDir && values.model) throw new ConfigError('--model applies to a RUN_DIR; a file holds one encoder');
  const port = positiveInt('--port', values.port, 8080);
  const threads = values.threads === undefined ? undefined : positiveInt('--threads', values.threads, 1);
  const served = isDir ? fromRun(target, values.model) : fromFile(target, values.size);
  refuseNonFiniteWeights(isDir ? `${target}: the checkpoint at step ${String(served.model['step'])} of ${String(served.model['name'])}` : target, served.weights, 'nothing was served');
  const { backend, reason } = await selectBackend(values.backend ?? 'auto', threads !== undefined ? { threads } : {});
  let knnData: Dataset | undefined;
  if (values.knnData) {
    knnData = (await loadData(values.knnData)).train;
    if (values.knnPerClass) knnData = firstPerClass(knnData, positiveInt('--knn-per-class', values.knnPerClass, 1));
    const [c, h, w] = served.imageShape;
    if (knnData.channels !== c || knnData.height !== h || knnData.width !== w) {
      throw new ConfigError(`--knn-data ${values.knnData} has ${knnData.channels}x${knnData.height}x${knnData.width} images; the model takes ${c}x${h}x${w}`);
    }
  } else if (values.knnPerClass || values.k) {
    throw new ConfigError('--knn-per-class and --k apply to --knn-data SPEC: give the reference images');
  }
  const service = await EmbeddingService.create({
    backend, encoder: served.encoder, weights: served.weights, imageShape: served.imageShape, normalization: served.normalization,
    model: served.model, backendName: backend.name, maxBatch: positiveInt('--max-batch', values.maxBatch, 64),
    limits: { maxBodyBytes: positiveInt('--max-body-bytes', values.maxBodyBytes, DEFAULT_LIMITS.maxBodyBytes), maxImages: positiveInt('--max-images', values.maxImages, DEFAULT_LIMITS.maxImages) },
    ...(knnData ? { knn: { data: knnData, k: positiveInt('--k', values.k, 20) } } : {}),
  });
  const url = await service.listen(port, values.host ?? '127.0.0.1');
  console.log(`backend: ${backend.name} (${reason})`);
  console.log(`model: ${JSON.stringify(served.model)}; input ${served.imageShape.join('x')} (C x H x W)${knnData ? `; kNN over ${knnData.count} images of ${knnData.name}` : ''}`);
  console.log(`listening on ${url} (GET /health, POST /embed${knnData ? ', POST /knn' : ''}); Ctrl-C stops`);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    for (const s of ['SIGINT', 'SIGTERM'] as const) process.once(s, () => resolve(s));
  });
  console.log(`${signal}: stopping after the requests in flight`);
  await service.close();
  const s = service.stats();
  console.log(`served ${s.requests} requests, ${s.images} images in ${s.forwardPasses} forward passes`);
  return 0;
}
