/**
 * `dogo serve RUN_DIR|FILE`: the embedding service of @dogo/serve over a run's encoder or an encoder file
 * (`dogo export`, whose metadata rebuilds the model), on a backend of this machine. Stops on Ctrl-C or SIGTERM
 * after the requests in flight.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { firstPerClass, type Dataset } from '@dogo/data';
import { readEncoderFile, type InputNormalization, type ResNet } from '@dogo/nn';
import { EmbeddingService, DEFAULT_LIMITS } from '@dogo/serve';
import { selectBackend } from '../backends.js';
import { fsStep } from '../fs_errors.js';
import { DATA_SPECS, loadData } from '../train/datasets.js';
import { ConfigError } from '../train/train_config.js';
import { readRunModel } from './run_folder.js';

export const SERVE_HELP = `usage: dogo serve RUN_DIR|FILE.safetensors [options]

  --port N            port to listen on (default 8080; 0: any free port)
  --host H            address to listen on (default 127.0.0.1)
  --model NAME        with RUN_DIR: the model to serve (default: the run's first)
  --size HxW          with FILE: the input size (default: the file's image_size metadata)
  --backend NAME      auto | wasm | webgpu | reference (default auto)
  --threads N         wasm worker threads
  --knn-data SPEC     labelled reference images for POST /knn: ${DATA_SPECS} (its training split)
  --knn-per-class N   only the first N reference images of each class
  --k N               neighbours of the kNN vote (default 20)
  --max-batch N       most images of one forward pass (default 64)
  --max-body-bytes N  largest request body (default ${DEFAULT_LIMITS.maxBodyBytes})
  --max-images N      most images per request (default ${DEFAULT_LIMITS.maxImages})

Routes: GET /health; POST /embed and POST /knn with one PNG or JPEG (image/png, image/jpeg), float32 images
[N, C, H, W] (application/octet-stream) or {"pixels": [...]} (application/json), pixel values 0..255.
Concurrent requests share forward passes. Bad input gets a 4xx with a JSON {status, error}.`;

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

export async function serveCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(SERVE_HELP);
    return 0;
  }
  const { values, positionals } = parseArgs({
    args, strict: true, allowPositionals: true,
    options: {
      port: { type: 'string' }, host: { type: 'string' }, model: { type: 'string' }, size: { type: 'string' }, backend: { type: 'string' }, threads: { type: 'string' },
      'knn-data': { type: 'string' }, 'knn-per-class': { type: 'string' }, k: { type: 'string' },
      'max-batch': { type: 'string' }, 'max-body-bytes': { type: 'string' }, 'max-images': { type: 'string' },
    },
  });
  const target = positionals[0];
  if (!target) throw new ConfigError('usage: dogo serve RUN_DIR|FILE.safetensors [--port N] [--knn-data SPEC] (dogo serve --help)');
  if (!existsSync(target)) throw new ConfigError(`${target} not found: pass a run folder of \`dogo train\` or an encoder file of \`dogo export\``);
  const isDir = statSync(target).isDirectory();
  if (isDir && values.size) throw new ConfigError('--size applies to a FILE; a run folder knows its image size');
  if (!isDir && values.model) throw new ConfigError('--model applies to a RUN_DIR; a file holds one encoder');
  const port = positiveInt('--port', values.port, 8080);
  const threads = values.threads === undefined ? undefined : positiveInt('--threads', values.threads, 1);
  const served = isDir ? fromRun(target, values.model) : fromFile(target, values.size);
  const { backend, reason } = await selectBackend(values.backend ?? 'auto', threads !== undefined ? { threads } : {});
  let knnData: Dataset | undefined;
  if (values['knn-data']) {
    knnData = (await loadData(values['knn-data'])).train;
    if (values['knn-per-class']) knnData = firstPerClass(knnData, positiveInt('--knn-per-class', values['knn-per-class'], 1));
    const [c, h, w] = served.imageShape;
    if (knnData.channels !== c || knnData.height !== h || knnData.width !== w) {
      throw new ConfigError(`--knn-data ${values['knn-data']} has ${knnData.channels}x${knnData.height}x${knnData.width} images; the model takes ${c}x${h}x${w}`);
    }
  } else if (values['knn-per-class'] || values.k) {
    throw new ConfigError('--knn-per-class and --k apply to --knn-data SPEC: give the reference images');
  }
  const service = await EmbeddingService.create({
    backend, encoder: served.encoder, weights: served.weights, imageShape: served.imageShape, normalization: served.normalization,
    model: served.model, backendName: backend.name, maxBatch: positiveInt('--max-batch', values['max-batch'], 64),
    limits: { maxBodyBytes: positiveInt('--max-body-bytes', values['max-body-bytes'], DEFAULT_LIMITS.maxBodyBytes), maxImages: positiveInt('--max-images', values['max-images'], DEFAULT_LIMITS.maxImages) },
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
