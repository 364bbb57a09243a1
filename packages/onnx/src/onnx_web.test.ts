/**
 * The browser example (web-example/) runs an exported model with onnxruntime-web (wasm) in headless Chromium
 * (Debian's /usr/bin/chromium through playwright-core) and gives our features and projections within 1e-4 on
 * embedded Fashion-MNIST test images. The page, ONNX Runtime's files, the model and the images are served
 * from memory through Playwright's request routing, so no server or port is involved. Skips with a message
 * without Chromium; fails under CI=true.
 */
import { afterAll, beforeAll, describe, expect, test, TestRunner } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Backend } from '@dogo/core';
import { loadEmbeddedFashionMnist } from '@dogo/data/node';
import { createNodeWasmBackend } from '@dogo/node';
import { exportOnnx } from './index.js';
import { trainedLikeWeights } from '@dogo/nn';
import { maxAbsDiff, ourOutputs, testModels } from './test_models.js';

const CHROMIUM = '/usr/bin/chromium';
const EXAMPLE = fileURLToPath(new URL('../web-example/', import.meta.url));
// The wasm build's CommonJS entry lies in dist/, beside the ES module bundle and the .wasm the page loads.
const ORT_DIST = path.dirname(createRequire(import.meta.url).resolve('onnxruntime-web/wasm'));
const ORIGIN = 'http://onnx-example.test';
const FMNIST = { mean: [0.286], std: [0.353] };

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  if (process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing: CI must install Debian's chromium package for the ONNX Runtime Web test`);
  process.stderr.write(`[onnx web] SKIPPED: ${CHROMIUM} not found (apt-get install chromium to run the browser test)\n`);
  (TestRunner.getCurrentSuite().file.meta as Record<string, unknown>)['skipReason'] = `${CHROMIUM} not found (apt-get install chromium libvulkan1)`;
}

let backend: Backend;
beforeAll(async () => {
  backend = await createNodeWasmBackend({ threads: 1 });
});
afterAll(() => (backend as unknown as { destroy?: () => void }).destroy?.());

const TYPES: Record<string, string> = { '.html': 'text/html', '.mjs': 'text/javascript', '.wasm': 'application/wasm' };

describe.skipIf(!haveChromium)('ONNX export in onnxruntime-web (headless Chromium)', () => {
  test('the browser example gives our features and projections within 1e-4', async () => {
    const { test: images } = await loadEmbeddedFashionMnist();
    const n = 16;
    const pixels = Float32Array.from(images.images.subarray(0, n * 784));
    const m = testModels(1)[0]!;
    const weights = { encoder: trainedLikeWeights(m.encoder, 31), head: trainedLikeWeights(m.head, 32) };
    const model = exportOnnx({ encoder: m.encoder, weights: weights.encoder, head: { module: m.head, weights: weights.head }, imageShape: [1, 28, 28], normalization: FMNIST });
    const ours = await ourOutputs(backend, m, weights, pixels, [n, 1, 28, 28], FMNIST);

    const files: Record<string, Buffer | Uint8Array> = {
      '/index.html': readFileSync(path.join(EXAMPLE, 'index.html')),
      '/main.mjs': readFileSync(path.join(EXAMPLE, 'main.mjs')),
      '/ort/ort.wasm.bundle.min.mjs': readFileSync(path.join(ORT_DIST, 'ort.wasm.bundle.min.mjs')),
      '/ort/ort-wasm-simd-threaded.wasm': readFileSync(path.join(ORT_DIST, 'ort-wasm-simd-threaded.wasm')),
      '/model.onnx': model,
      '/pixels.bin': new Uint8Array(pixels.buffer),
    };
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });
    try {
      const page = await browser.newPage();
      const served: string[] = [];
      await page.route(`${ORIGIN}/**`, (route) => {
        const p = new URL(route.request().url()).pathname;
        const body = files[p];
        served.push(p);
        if (!body) return route.fulfill({ status: 404, body: `not found: ${p}` });
        return route.fulfill({ status: 200, body: Buffer.from(body), contentType: TYPES[path.extname(p)] ?? 'application/octet-stream' });
      });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${ORIGIN}/index.html`);
      await page.waitForFunction(() => (globalThis as { __onnx?: unknown }).__onnx !== undefined, undefined, { timeout: 90_000 });
      const r = await page.evaluate(() => (globalThis as unknown as { __onnx: { features?: number[]; projection?: number[]; dims?: number[]; error?: string } }).__onnx);
      expect(r.error, `${r.error}; page errors: ${errors.join('; ')}`).toBeUndefined();
      expect(served).toContain('/ort/ort-wasm-simd-threaded.wasm');
      expect(r.dims).toEqual([n, m.encoder.featureDim]);
      const df = maxAbsDiff(r.features!, ours.features);
      const dp = maxAbsDiff(r.projection!, ours.projection);
      process.stdout.write(`[onnx web] onnxruntime-web in Chromium, ${n} embedded test images: max |ORT web - ours| features ${df.toExponential(2)}, projection ${dp.toExponential(2)}\n`);
      expect(df).toBeLessThan(1e-4);
      expect(dp).toBeLessThan(1e-4);
      expect(await page.textContent('#status')).toBe(`${n} images -> features [${n}, ${m.encoder.featureDim}]`);
    } finally {
      await browser.close();
    }
  }, 120_000);
});
