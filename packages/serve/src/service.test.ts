/**
 * The embedding service through fastify's in-process requests: every input form gives the features `dogo eval`
 * computes (ssl's extractFeatures on the same backend), /knn gives the labels ssl's kNN evaluation gives, and
 * every bad request gets its 4xx with a message that names the problem.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractFeatures, KnnClassifier, knnAccuracy } from '@dogo/ssl';
import type { Dataset } from '@dogo/data';
import jpeg from 'jpeg-js';
import type { EmbeddingService } from './service.js';
import { NORM, pixelsOf, pngOf, testBackend, testData, testEncoder, testService } from './test_service.js';

let service: EmbeddingService;
let test: Dataset;
let references: Dataset;
/** extractFeatures of the first 64 test images. */
let expected: Float32Array;
const DIM = 16;

beforeAll(async () => {
  ({ test, references } = await testData());
  service = await testService();
  const { encoder, weights } = testEncoder();
  const first: Dataset = { ...test, count: 64, images: test.images.subarray(0, 64 * 784), labels: test.labels.subarray(0, 64) };
  expected = (await extractFeatures(await testBackend(), encoder, weights, first, NORM)).features;
});
afterAll(() => service?.close());

const post = (url: string, contentType: string, payload: Uint8Array | string) => service.app.inject({ method: 'POST', url, headers: { 'content-type': contentType }, payload: typeof payload === 'string' ? payload : Buffer.from(payload) });
const f32 = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const maxDiff = (a: number[], b: ArrayLike<number>) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

describe('dogo serve: the embedding service', () => {
  it('reports its model, input, limits and kNN set on /health', async () => {
    const r = await service.app.inject({ method: 'GET', url: '/health' });
    expect(r.statusCode).toBe(200);
    const h = r.json();
    expect(h).toMatchObject({ status: 'ok', model: { arch: 'resnet-small' }, backend: 'wasm', featureDim: DIM, input: { shape: [1, 28, 28], maxImages: 256 }, knn: { references: 200, k: 10 } });
    expect(h.knn.classes).toEqual(references.classes);
  });

  it('embeds a PNG, float32 arrays and JSON arrays as `dogo eval` does', async () => {
    for (const i of [0, 5]) {
      const r = await post('/embed', 'image/png', pngOf(test, i));
      expect(r.statusCode, r.body).toBe(200);
      const body = r.json() as { count: number; dim: number; embeddings: number[][] };
      expect([body.count, body.dim]).toEqual([1, DIM]);
      expect(maxDiff(body.embeddings[0]!, expected.subarray(i * DIM, (i + 1) * DIM))).toBeLessThan(1e-5);
    }
    const raw = await post('/embed', 'application/octet-stream', f32(pixelsOf(test, 0, 20)));
    expect(raw.statusCode, raw.body).toBe(200);
    expect(maxDiff(raw.json().embeddings.flat(), expected.subarray(0, 20 * DIM))).toBeLessThan(1e-5);
    const json = await post('/embed', 'application/json', JSON.stringify({ pixels: [Array.from(pixelsOf(test, 3, 1)), Array.from(pixelsOf(test, 4, 1))] }));
    expect(json.statusCode, json.body).toBe(200);
    expect(maxDiff(json.json().embeddings.flat(), expected.subarray(3 * DIM, 5 * DIM))).toBeLessThan(1e-5);
    const one = await post('/embed', 'application/json', JSON.stringify({ pixels: Array.from(pixelsOf(test, 7, 1)) }));
    expect(maxDiff(one.json().embeddings[0], expected.subarray(7 * DIM, 8 * DIM))).toBeLessThan(1e-5);
  });

  it('embeds a JPEG (3-channel YCbCr) as the features of its decoded pixels converted to luma', async () => {
    for (const i of [2, 9]) {
      const gray = pixelsOf(test, i, 1);
      const rgba = new Uint8Array(4 * 784);
      gray.forEach((v, p) => rgba.set([v, v, v, 255], 4 * p));
      const jpg = jpeg.encode({ data: rgba, width: 28, height: 28 }, 95).data;
      // What the JPEG holds (lossy): its decoded luma, embedded as raw pixels.
      const decoded = jpeg.decode(jpg, { useTArray: true, formatAsRGBA: true });
      const luma = Float32Array.from({ length: 784 }, (_, p) => Math.round(0.299 * decoded.data[4 * p]! + 0.587 * decoded.data[4 * p + 1]! + 0.114 * decoded.data[4 * p + 2]!));
      const viaJpeg = await post('/embed', 'image/jpeg', new Uint8Array(jpg));
      expect(viaJpeg.statusCode, viaJpeg.body).toBe(200);
      const viaRaw = await post('/embed', 'application/octet-stream', f32(luma));
      expect(maxDiff(viaJpeg.json().embeddings[0], viaRaw.json().embeddings[0])).toBeLessThan(1e-4);
    }
  });

  it('labels images by kNN as the evaluation does', async () => {
    const r = await post('/knn', 'application/octet-stream', f32(pixelsOf(test, 0, 64)));
    expect(r.statusCode, r.body).toBe(200);
    const { count, predictions } = r.json() as { count: number; predictions: { label: number; class: string; confidence: number }[] };
    expect(count).toBe(64);
    const { encoder, weights } = testEncoder();
    const refs = await extractFeatures(await testBackend(), encoder, weights, references, NORM);
    const knn = new KnnClassifier(refs, { k: 10, classes: 10 });
    predictions.forEach((p, i) => {
      const want = knn.predict(expected.subarray(i * DIM, (i + 1) * DIM));
      expect(p.label).toBe(want.label);
      expect(p.class).toBe(references.classes[want.label]);
      expect(p.confidence).toBeCloseTo(want.confidence, 4);
    });
    const correct = predictions.filter((p, i) => p.label === test.labels[i]).length / 64;
    const first = { features: expected, labels: test.labels.subarray(0, 64), count: 64, dim: DIM };
    expect(correct).toBeCloseTo(knnAccuracy(refs, first, { k: 10, classes: 10 }), 6);
  });

  it('answers bad requests with a 4xx that names the problem', async () => {
    const png = pngOf(test, 0);
    const cases: [string, Promise<{ statusCode: number; json(): { error: string } }>, number, RegExp][] = [
      ['not an image', post('/embed', 'image/png', new TextEncoder().encode('hello, world')), 400, /not a PNG or JPEG image \(its first bytes are 68 65 6c 6c\)/],
      ['a truncated PNG', post('/embed', 'image/png', png.subarray(0, 60)), 400, /cannot decode as PNG/],
      ['a PNG too large to decode', post('/embed', 'image/png', hugePngHeader()), 400, /the PNG is 100000x100000 pixels, more than the 16777216 allowed/],
      ['text', post('/embed', 'text/plain', 'pixels'), 415, /unsupported content type.*image\/png, image\/jpeg, application\/octet-stream, application\/json/],
      ['a float array of the wrong length', post('/embed', 'application/octet-stream', new Uint8Array(4 * 700)), 400, /2800 bytes, not a whole number of float32 images of 1x28x28 \(C x H x W\) \(3136 bytes each\)/],
      ['an empty body', post('/embed', 'application/octet-stream', new Uint8Array(0)), 400, /no image/],
      ['NaN pixels', post('/embed', 'application/octet-stream', f32(new Float32Array(784).fill(Number.NaN))), 400, /value 0 is NaN; pixel values must be finite/],
      ['JSON without pixels', post('/embed', 'application/json', '{"image": 1}'), 400, /expected a JSON object \{"pixels": \[784 numbers\]\}/],
      ['JSON with a short row', post('/embed', 'application/json', JSON.stringify({ pixels: [[1, 2, 3]] })), 400, /image 0 has 3 values/],
      ['malformed JSON', post('/embed', 'application/json', '{"pixels": ['), 400, /JSON/],
      ['too many images', post('/embed', 'application/octet-stream', new Uint8Array(257 * 3136)), 413, /257 images; at most 256 per request/],
      ['an unknown route', post('/classify', 'image/png', png), 404, /no route POST \/classify; routes: GET \/health, POST \/embed, POST \/knn/],
    ];
    for (const [what, request, status, message] of cases) {
      const r = await request;
      expect(r.statusCode, what).toBe(status);
      expect(r.json().error, what).toMatch(message);
    }
  });

  it('refuses a body over the size limit with 413, and /knn without a reference set with 404', async () => {
    const small = await testService({ knn: undefined, limits: { maxBodyBytes: 10_000 } });
    try {
      const big = await small.app.inject({ method: 'POST', url: '/embed', headers: { 'content-type': 'application/octet-stream' }, payload: Buffer.alloc(4 * 3136) });
      expect(big.statusCode).toBe(413);
      expect(big.json().error).toBe('the body is larger than 10000 bytes; send fewer or smaller images');
      const knn = await small.app.inject({ method: 'POST', url: '/knn', headers: { 'content-type': 'image/png' }, payload: Buffer.from(pngOf(test, 0)) });
      expect(knn.statusCode).toBe(404);
      expect(knn.json().error).toContain('this service has no kNN reference set');
      expect((await small.app.inject({ method: 'GET', url: '/health' })).json().knn).toBeNull();
    } finally {
      await small.close();
    }
  });
});

/** The 33 bytes of a PNG signature and IHDR claiming 100000 x 100000 pixels (no image data follows). */
function hugePngHeader(): Uint8Array {
  const b = new Uint8Array(33);
  b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  const v = new DataView(b.buffer);
  v.setUint32(16, 100000);
  v.setUint32(20, 100000);
  b.set([8, 0, 0, 0, 0], 24);
  return b;
}
