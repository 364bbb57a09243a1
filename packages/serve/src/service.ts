/**
 * The embedding service: an HTTP API over an encoder, on fastify. Public (through index.ts).
 *
 *   GET  /health  the model, its input, the kNN reference set and the batching counters
 *   POST /embed   images -> features
 *   POST /knn     images -> kNN labels against the reference set (only when one is given)
 *
 * Bodies: one PNG or JPEG (`image/png`, `image/jpeg`), float32 little-endian arrays of one or more images
 * (`application/octet-stream`), or `{"pixels": [...]}` / `{"pixels": [[...], ...]}` (`application/json`); pixel
 * values 0..255 in [C, H, W] order. Concurrent requests share forward passes (batcher.ts). Refusals are JSON
 * `{error, status}`: 400 bad images or arrays, 404 unknown routes, 413 bodies or image counts over the limits,
 * 415 other media types, 503 a full queue. fastify is used for its request parsing with per-route body limits,
 * content-type dispatch, error mapping and connection handling; the service's own code is the routes below.
 */
/// <reference types="node" />
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Dataset } from '@dogo/data';
import { KnnClassifier, type FeatureSet } from '@dogo/ssl';
import { EmbeddingBatcher, QueueFullError, type BatcherStats } from './batcher.js';
import { Embedder, type EmbedderOptions } from './embedder.js';
import { BadInputError, INPUT_TYPES, imageFromBytes, imagesFromFloat32, imagesFromJson, type InputLimits, type RequestImages } from './image_input.js';

export interface ServiceLimits extends InputLimits {
  /** Largest request body in bytes (fastify answers 413 beyond it). */
  maxBodyBytes: number;
  /** Most images waiting for a forward pass before requests are refused with 503. */
  maxQueuedImages: number;
}

export const DEFAULT_LIMITS: ServiceLimits = { maxBodyBytes: 8 * 1024 * 1024, maxImages: 256, maxImagePixels: 4096 * 4096, maxQueuedImages: 4096 };

export interface EmbeddingServiceOptions extends EmbedderOptions {
  /** What /health says about the model (name, architecture, file, step...). */
  model: Readonly<Record<string, unknown>>;
  /** The backend's name, for /health. */
  backendName: string;
  /** A labelled reference set for /knn (embedded at start with the same encoder), with k (default 20) and temperature (default 0.1). */
  knn?: { data: Dataset; k?: number; temperature?: number };
  limits?: Partial<ServiceLimits>;
  /** Milliseconds a forward pass waits for more requests to join it (default 5). */
  batchDelayMs?: number;
}

export interface HealthReport {
  status: 'ok';
  model: Readonly<Record<string, unknown>>;
  backend: string;
  input: { shape: readonly number[]; types: readonly string[]; pixelRange: [number, number] } & ServiceLimits;
  featureDim: number;
  knn: { classes: readonly string[]; references: number; k: number } | null;
  batching: BatcherStats & { maxBatch: number; compiledSizes: number[] };
}

export class EmbeddingService {
  private constructor(
    readonly app: FastifyInstance,
    private readonly embedder: Embedder,
    private readonly batcher: EmbeddingBatcher,
  ) {}

  /** Compiles the encoder, embeds the kNN reference set, and registers the routes (not yet listening). */
  static async create(o: EmbeddingServiceOptions): Promise<EmbeddingService> {
    const limits: ServiceLimits = { ...DEFAULT_LIMITS, ...o.limits };
    const embedder = await Embedder.create(o);
    const batcher = new EmbeddingBatcher((p, n) => embedder.embed(p, n), { imageSize: embedder.imageSize, dim: embedder.dim, maxBatch: embedder.maxBatch, maxQueuedImages: limits.maxQueuedImages, ...(o.batchDelayMs !== undefined ? { maxDelayMs: o.batchDelayMs } : {}) });
    let knn: { classifier: KnnClassifier; classes: readonly string[]; k: number } | undefined;
    if (o.knn) {
      const reference = await embedDataset(embedder, o.knn.data);
      const k = Math.min(o.knn.k ?? 20, reference.count);
      knn = { classifier: new KnnClassifier(reference, { k, classes: o.knn.data.classes.length, ...(o.knn.temperature ? { temperature: o.knn.temperature } : {}) }), classes: o.knn.data.classes, k };
    }
    const app = Fastify({ bodyLimit: limits.maxBodyBytes, logger: false });
    const service = new EmbeddingService(app, embedder, batcher);
    const shape = o.imageShape;

    // Binary bodies arrive whole, as bytes; the default text/plain parser goes, so text is a 415.
    app.removeContentTypeParser('text/plain');
    app.addContentTypeParser(['image/png', 'image/jpeg', 'application/octet-stream'], { parseAs: 'buffer' }, (_req: FastifyRequest, body: Buffer, done: (e: Error | null, body?: Buffer) => void) => done(null, body));

    const images = (req: FastifyRequest): RequestImages => {
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      const body = req.body;
      if (type === 'application/json') return imagesFromJson(body, shape, limits);
      if (!(body instanceof Uint8Array)) throw new BadInputError(415, `unsupported content type "${type || 'none'}"; send one of ${INPUT_TYPES.join(', ')}`);
      if (type === 'application/octet-stream') return imagesFromFloat32(body, shape, limits);
      return imageFromBytes(body, shape, limits);
    };
    const features = async (req: FastifyRequest) => {
      const r = images(req);
      return { count: r.count, features: await batcher.submit(r.pixels, r.count) };
    };
    const rows = (f: Float32Array, count: number) => Array.from({ length: count }, (_, i) => Array.from(f.subarray(i * embedder.dim, (i + 1) * embedder.dim)));

    app.get('/health', async (): Promise<HealthReport> => ({
      status: 'ok', model: o.model, backend: o.backendName,
      input: { shape, types: INPUT_TYPES, pixelRange: [0, 255], ...limits },
      featureDim: embedder.dim,
      knn: knn ? { classes: knn.classes, references: knn.classifier.reference.count, k: knn.k } : null,
      batching: { ...batcher.stats(), maxBatch: embedder.maxBatch, compiledSizes: embedder.compiledSizes() },
    }));
    app.post('/embed', async (req) => {
      const { count, features: f } = await features(req);
      return { count, dim: embedder.dim, embeddings: rows(f, count) };
    });
    if (knn) {
      const { classifier, classes } = knn;
      app.post('/knn', async (req) => {
        const { count, features: f } = await features(req);
        const predictions = Array.from({ length: count }, (_, i) => {
          const p = classifier.predict(f.subarray(i * embedder.dim, (i + 1) * embedder.dim));
          return { label: p.label, class: classes[p.label], confidence: p.confidence };
        });
        return { count, predictions };
      });
    }
    const routes = ['GET /health', 'POST /embed', ...(knn ? ['POST /knn'] : [])];
    app.setNotFoundHandler((req: FastifyRequest, reply: FastifyReply) => {
      const hint = req.url.startsWith('/knn') ? '; this service has no kNN reference set (start it with one: dogo serve --knn-data SPEC)' : '';
      void reply.code(404).send({ status: 404, error: `no route ${req.method} ${req.url}${hint}; routes: ${routes.join(', ')}` });
    });
    app.setErrorHandler((e: FastifyError | BadInputError | QueueFullError, _req: FastifyRequest, reply: FastifyReply) => {
      const status = e instanceof BadInputError ? e.statusCode
        : e instanceof QueueFullError ? 503
          : 'statusCode' in e && typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500 ? e.statusCode : 500;
      let message = e.message;
      if ('code' in e && e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') message = `the body is larger than ${limits.maxBodyBytes} bytes; send fewer or smaller images`;
      if ('code' in e && e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') message = `unsupported content type; send one of ${INPUT_TYPES.join(', ')}`;
      if (status === 503) void reply.header('Retry-After', '1');
      void reply.code(status).send({ status, error: status === 500 ? `internal error: ${message}` : message });
    });
    return service;
  }

  /** Starts listening; resolves to the base URL (`http://127.0.0.1:PORT`). Port 0 picks a free one. */
  async listen(port: number, host = '127.0.0.1'): Promise<string> {
    await this.app.listen({ port, host });
    const a = this.app.server.address();
    const actual = typeof a === 'object' && a ? a.port : port;
    return `http://${host.includes(':') ? `[${host}]` : host}:${actual}`;
  }

  stats(): BatcherStats {
    return this.batcher.stats();
  }

  /** Stops accepting connections, lets requests in flight finish, frees the compiled plans. */
  async close(): Promise<void> {
    await this.app.close();
    this.embedder.destroy();
  }
}

/** Features of every image of a dataset, in chunks, with the service's own embedder. */
async function embedDataset(embedder: Embedder, data: Dataset): Promise<FeatureSet> {
  const size = data.channels * data.height * data.width;
  if (size !== embedder.imageSize) throw new BadInputError(400, `the kNN reference set "${data.name}" has ${data.channels}x${data.height}x${data.width} images; the model takes ${embedder.imageSize} values per image`);
  const features = new Float32Array(data.count * embedder.dim);
  const chunk = 256;
  for (let start = 0; start < data.count; start += chunk) {
    const n = Math.min(chunk, data.count - start);
    features.set(await embedder.embed(Float32Array.from(data.images.subarray(start * size, (start + n) * size)), n), start * embedder.dim);
  }
  return { features, labels: data.labels, count: data.count, dim: embedder.dim };
}
