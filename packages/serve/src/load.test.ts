/**
 * Load test of the embedding service over real HTTP (127.0.0.1, Node's fetch): 200 requests sent at once, one
 * PNG each. None may be lost or answered with another request's embedding, and requests that arrive together
 * must share forward passes. Prints p50 / p99 latency, the passes and their largest batch.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { extractFeatures } from '@dogo/ssl';
import type { Dataset } from '@dogo/data';
import type { EmbeddingService } from './service.js';
import { NORM, pngOf, testBackend, testData, testEncoder, testService } from './test_service.js';

const REQUESTS = 200;
let service: EmbeddingService;
let url = '';
let test: Dataset;

beforeAll(async () => {
  ({ test } = await testData());
  service = await testService({ knn: undefined });
  url = await service.listen(0);
});
afterAll(() => service?.close());

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

it(`answers ${REQUESTS} concurrent requests, none lost or mixed up, in shared forward passes`, async () => {
  const { encoder, weights } = testEncoder();
  const subset: Dataset = { ...test, count: REQUESTS, images: test.images.subarray(0, REQUESTS * 784), labels: test.labels.subarray(0, REQUESTS) };
  const expected = (await extractFeatures(await testBackend(), encoder, weights, subset, NORM)).features;
  const bodies = Array.from({ length: REQUESTS }, (_, i) => pngOf(test, i));
  // Every batch size was compiled at start (the service's default), so this measures serving, not compiling.
  // Burst 1 opens 200 connections; burst 2 finds them open (keep-alive), as a busy client's would be.
  for (const burst of ['new connections', 'kept-alive connections']) {
    const before = service.stats();
    const t0 = performance.now();
    const results = await Promise.all(bodies.map(async (body, i) => {
      const start = performance.now();
      const r = await fetch(`${url}/embed`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: new Uint8Array(body) });
      const json = (await r.json()) as { embeddings?: number[][]; error?: string };
      return { i, status: r.status, json, ms: performance.now() - start };
    }));
    const wall = performance.now() - t0;
    const after = service.stats();
    const failed = results.filter((r) => r.status !== 200);
    expect(failed.map((r) => `${r.i}: ${r.status} ${r.json.error}`)).toEqual([]);
    for (const r of results) {
      const got = r.json.embeddings![0]!;
      const want = expected.subarray(r.i * 16, (r.i + 1) * 16);
      expect(Math.max(...got.map((v, d) => Math.abs(v - want[d]!))), `request ${r.i}`).toBeLessThan(1e-5);
    }
    const passes = after.forwardPasses - before.forwardPasses;
    const ms = results.map((r) => r.ms).sort((a, b) => a - b);
    process.stdout.write(
      `[serve load] ${REQUESTS} concurrent PNG requests (${burst}): ${REQUESTS} answered 200, 0 lost; p50 ${percentile(ms, 50).toFixed(1)} ms, p99 ${percentile(ms, 99).toFixed(1)} ms, ` +
      `max ${ms.at(-1)!.toFixed(1)} ms; ${passes} forward passes (largest ${after.largestPass} images); ${(REQUESTS / (wall / 1000)).toFixed(0)} requests/s over ${wall.toFixed(0)} ms\n`,
    );
    expect(after.requests - before.requests).toBe(REQUESTS);
    expect(after.images - before.images).toBe(REQUESTS);
    // Batched: fewer passes than requests (the client shares this process, so requests arrive over a few seconds;
    // without batching every request is its own pass).
    expect(passes).toBeLessThan(REQUESTS / 2);
    expect(after.largestPass).toBeGreaterThan(1);
    expect(after.queuedImages).toBe(0);
  }
}, 120_000);
