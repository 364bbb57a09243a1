/**
 * End-to-end test of the trainer page: builds it with Vite, serves it with the cross-origin isolation
 * headers on 127.0.0.1, and drives headless Chromium (Debian's /usr/bin/chromium, SwiftShader for WebGPU)
 * through playwright-core. Run 1 forces WebGPU; run 2 launches Chromium without WebGPU, so 'auto' must fall
 * back to wasm, and also stops, reloads, resumes from OPFS and downloads the student encoder.
 * Tiny models on one fixed batch keep it fast and make the falling losses reliable.
 * Screenshots go to test-output/web/. Skips with a message without Chromium; fails under CI=true.
 */
import { afterAll, beforeAll, describe, expect, test, TestRunner } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import type { BackendInfo } from '../src/protocol.js';
import { decodeOnnxModel } from '@dogo/onnx';

const CHROMIUM = '/usr/bin/chromium';
const HERE = path.dirname(fileURLToPath(import.meta.url));
const APP = path.resolve(HERE, '..');
const OUT = path.resolve(APP, '../../test-output/web');
const BASE_FLAGS = ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const WEBGPU_FLAGS = ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-vulkan=swiftshader', '--use-webgpu-adapter=swiftshader'];
/**
 * Two-stage encoders of widths 4 on 12x12 images, batch 8, one fixed batch: about 3 s a step on WebGPU on
 * SwiftShader, a few milliseconds on wasm. The cohort's loss falls by half within 8 steps (measured).
 */
const TINY = 'batch=8&size=12&student=4,4&peer=4,8&hidden=16&out=8&lr=0.01&fixedBatch=1&k=5&evalTrain=100&evalTest=50';

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  if (process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing: CI must install Debian's chromium package for the web end-to-end test`);
  process.stderr.write(`[web e2e] SKIPPED: ${CHROMIUM} not found (apt-get install chromium to run the browser test)\n`);
  // For the run's closing line, which groups skips by the install command at the end of the reason.
  (TestRunner.getCurrentSuite().file.meta as Record<string, unknown>)['skipReason'] = `${CHROMIUM} not found (apt-get install chromium libvulkan1)`;
}

interface PageState {
  phase: string;
  backend: BackendInfo | null;
  steps: { step: number; losses: Record<string, { loss: number; ssl: number; kd?: number }> }[];
  knn: { step: number; acc: Record<string, number> }[];
  imagesPerSecond: number;
  viewsShown: number;
  saved: { step: number; totalSteps: number } | null;
  finished: { step: number; reason: string; saved: boolean } | null;
  errors: string[];
  crossOriginIsolated: boolean;
}

type Server = { url: string; close(): Promise<void> };
let server: Server | undefined;
let plainServer: Server | undefined;
let distDir = '';

async function pageState(page: Page): Promise<PageState> {
  return page.evaluate(() => (window as unknown as { __dogo: PageState }).__dogo);
}

/** Waits until the page's state satisfies `pred`, failing early on a page error. */
async function until(page: Page, what: string, pred: (s: PageState) => boolean, timeoutMs: number): Promise<PageState> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const s = await pageState(page);
    if (s.errors.length) throw new Error(`page error while waiting for ${what}: ${s.errors.join('; ')}`);
    if (pred(s)) return s;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}; phase ${s.phase}, ${s.steps.length} steps`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A folder of two classes of small RGB PNGs (red discs and blue squares at random places). */
async function writeImageFolder(dir: string): Promise<void> {
  const { PNG } = await import('pngjs');
  for (const cls of ['discs', 'squares']) {
    mkdirSync(path.join(dir, cls), { recursive: true });
    for (let i = 0; i < 8; i++) {
      const png = new PNG({ width: 24, height: 20 });
      const cx = 6 + ((i * 5) % 12), cy = 6 + ((i * 3) % 8);
      for (let y = 0; y < 20; y++) for (let x = 0; x < 24; x++) {
        const inside = cls === 'discs' ? (x - cx) ** 2 + (y - cy) ** 2 < 25 : Math.abs(x - cx) < 5 && Math.abs(y - cy) < 5;
        const o = (y * 24 + x) * 4;
        png.data.set(inside ? (cls === 'discs' ? [220, 40, 40, 255] : [40, 60, 220, 255]) : [240, 240, 240, 255], o);
      }
      writeFileSync(path.join(dir, cls, `${i}.png`), PNG.sync.write(png));
    }
  }
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** The run's losses are finite and the cohort's total loss falls from the first steps to the last. */
function expectFallingLosses(s: PageState, steps: number): void {
  expect(s.steps.map((r) => r.step)).toEqual(Array.from({ length: steps }, (_, i) => i));
  for (const r of s.steps) {
    expect(Object.keys(r.losses).sort()).toEqual(['peer', 'student']);
    for (const l of Object.values(r.losses)) for (const v of [l.loss, l.ssl, l.kd!]) expect(Number.isFinite(v)).toBe(true);
  }
  const total = s.steps.map((r) => r.losses['student']!.loss + r.losses['peer']!.loss);
  // Measured on the reference backend (same numbers as WebGPU): the total falls by half or more over 8 steps.
  expect(mean(total.slice(-3))).toBeLessThan(0.8 * mean(total.slice(0, 3)));
}

async function launch(webgpu: boolean): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: webgpu ? [...BASE_FLAGS, ...WEBGPU_FLAGS] : BASE_FLAGS, headless: true });
}

async function open(browser: Browser, query: string, via: Server = server!): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 }, acceptDownloads: true });
  const page = await context.newPage();
  page.on('pageerror', (e) => process.stderr.write(`[web e2e] page error: ${e.message}\n`));
  await page.goto(`${via.url}?${query}`);
  await until(page, 'the backend', (s) => s.backend !== null, 60_000);
  return page;
}

describe.skipIf(!haveChromium)('web trainer page (headless Chromium)', () => {
  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    distDir = mkdtempSync(path.join(tmpdir(), 'dogo-web-dist-'));
    const { build } = await import('vite');
    await build({ configFile: path.join(APP, 'vite.config.ts'), root: APP, logLevel: 'warn', build: { outDir: distDir, emptyOutDir: true, sourcemap: false } });
    const { startServer } = await import('../serve.mjs');
    server = await startServer({ dir: distDir, port: 0 });
    plainServer = await startServer({ dir: distDir, port: 0, isolate: false });
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await plainServer?.close();
    if (distDir) rmSync(distDir, { recursive: true, force: true });
  });

  test('trains on WebGPU (SwiftShader): losses fall, kNN accuracy and views appear', async () => {
    const browser = await launch(true);
    try {
      const page = await open(browser, `backend=webgpu&steps=8&evalEvery=0&viewsEvery=4&${TINY}`);
      const first = await pageState(page);
      expect(first.backend!.kind).toBe('webgpu');
      expect(first.backend!.adapter).toBeTruthy();
      expect(await page.textContent('#backend-line')).toContain(first.backend!.adapter!);
      expect(first.crossOriginIsolated).toBe(true);
      expect(await page.isHidden('#isolation-warning')).toBe(true);
      await page.click('#start');
      const s = await until(page, 'the end of training', (x) => x.phase === 'done', 240_000);
      expectFallingLosses(s, 8);
      expect(s.knn.length).toBeGreaterThanOrEqual(1);
      for (const v of Object.values(s.knn.at(-1)!.acc)) expect(v).toBeGreaterThanOrEqual(0);
      expect(await page.textContent('#knn tbody')).toMatch(/\d+\.\d%/);
      expect(s.viewsShown).toBeGreaterThanOrEqual(1);
      expect(s.imagesPerSecond).toBeGreaterThan(0);
      await page.screenshot({ path: path.join(OUT, 'webgpu.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  }, 300_000);

  test('falls back to wasm without WebGPU; stop, reload, resume from OPFS, download the student', async () => {
    const STEPS = 1000;
    const browser = await launch(false);
    try {
      // Wasm steps take milliseconds: a long run, so Stop lands well before its end.
      const page = await open(browser, `backend=auto&steps=${STEPS}&evalEvery=500&viewsEvery=100&${TINY}`);
      const first = await pageState(page);
      expect(first.backend!.kind).toBe('wasm');
      expect(first.backend!.reason).toMatch(/^auto: no WebGPU/);
      // Cross-origin isolated, so the wasm threads share memory: one per hardware thread.
      expect(first.crossOriginIsolated).toBe(true);
      expect(first.backend!.threads).toBe(await page.evaluate(() => navigator.hardwareConcurrency));
      // Stop from inside the page as soon as step 4 is drawn, so a fast machine cannot finish first.
      await page.evaluate(() => {
        const el = document.getElementById('step')!;
        const watch = new MutationObserver(() => {
          if (parseInt(el.textContent ?? '', 10) >= 4) {
            watch.disconnect();
            document.getElementById('stop')!.click();
          }
        });
        watch.observe(el, { childList: true, characterData: true, subtree: true });
      });
      await page.click('#start');
      const stopped = await until(page, 'the stop checkpoint', (x) => x.phase === 'stopped' && x.saved !== null, 60_000);
      expect(stopped.finished!.saved).toBe(true);
      const stopStep = stopped.finished!.step;
      expect(stopStep).toBeGreaterThanOrEqual(4);
      expect(stopStep).toBeLessThan(STEPS);

      await page.reload();
      await until(page, 'the resume offer', (x) => x.backend !== null && x.saved !== null, 60_000);
      expect(await page.isVisible('#resume-banner')).toBe(true);
      expect(await page.textContent('#resume-text')).toContain(`step ${stopStep} of ${STEPS}`);
      await page.click('#resume');
      const s = await until(page, 'the end of the resumed run', (x) => x.phase === 'done', 120_000);
      expectFallingLosses(s, STEPS);
      expect(s.knn.at(-1)!.step).toBe(STEPS);
      expect(await page.textContent('#knn tbody')).toMatch(/\d+\.\d%/);
      await page.screenshot({ path: path.join(OUT, 'wasm.png'), fullPage: true });

      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
      expect(download.suggestedFilename()).toBe(`dogo-student-step${STEPS}.safetensors`);
      const bytes = readFileSync((await download.path())!);
      const headerLen = Number(bytes.readBigUInt64LE(0));
      const header = JSON.parse(bytes.subarray(8, 8 + headerLen).toString('utf8')) as Record<string, { shape: number[]; dtype: string }> & { __metadata__: Record<string, string> };
      expect(header['conv1.weight']!.shape).toEqual([4, 1, 3, 3]);
      // As `dogo export` writes it: counters, format "pt", the layout and normalisation that rebuild the encoder.
      expect(header['bn1.num_batches_tracked']).toMatchObject({ dtype: 'I64', shape: [] });
      expect(header.__metadata__).toMatchObject({ format: 'pt', arch: 'resnet-small', block: 'basic', stages: '[4,4]', stem: 'cifar', in_channels: '1', input_mean: '[0.286]', input_std: '[0.353]', image_size: '12x12', step: String(STEPS) });
      expect(header['layer2.0.downsample.0.weight']).toBeDefined();
      expect(header['bn1.running_var']).toBeDefined();
      expect(Object.keys(header).some((k) => k.includes('#') || k.startsWith('student.'))).toBe(false);
      // The same encoder as ONNX (opset 17, dynamic batch, the page's 12x12 input), with the metadata.
      const [onnx] = await Promise.all([page.waitForEvent('download'), page.click('#download-onnx')]);
      expect(onnx.suggestedFilename()).toBe(`dogo-student-step${STEPS}.onnx`);
      const model = decodeOnnxModel(new Uint8Array(readFileSync((await onnx.path())!))) as {
        opsetImport: { version: number }[]; metadataProps: { key: string; value: string }[];
        graph: { input: { type: { tensorType: { shape: { dim: Record<string, unknown>[] } } } }[]; initializer: { name: string; dims: number[] }[] };
      };
      expect(model.opsetImport[0]!.version).toBe(17);
      expect(model.graph.input[0]!.type.tensorType.shape.dim).toEqual([{ dimParam: 'batch' }, { dimValue: 1 }, { dimValue: 12 }, { dimValue: 12 }]);
      expect(model.graph.initializer.find((t) => t.name === 'conv1.weight')!.dims).toEqual([4, 1, 3, 3]);
      expect(Object.fromEntries(model.metadataProps.map((m) => [m.key, m.value]))).toMatchObject({ arch: 'resnet-small', stages: '[4,4]', step: String(STEPS) });
    } finally {
      await browser.close();
    }
  }, 200_000);

  test('says when the page is not cross-origin isolated, and wasm then runs on one thread', async () => {
    const browser = await launch(false);
    try {
      const page = await open(browser, 'backend=wasm', plainServer);
      const s = await pageState(page);
      expect(s.crossOriginIsolated).toBe(false);
      expect(await page.isVisible('#isolation-warning')).toBe(true);
      expect(s.backend!.threads).toBe(1);
      expect(s.backend!.reason).toMatch(/not cross-origin isolated, so wasm runs single-threaded/);
    } finally {
      await browser.close();
    }
  }, 60_000);

  test('trains on a folder of the user\'s RGB images (class = parent folder)', async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'dogo-web-images-'));
    await writeImageFolder(path.join(folder, 'shapes'));
    const browser = await launch(false);
    try {
      const page = await open(browser, `backend=wasm&steps=6&evalEvery=0&viewsEvery=3&channels=3&batch=8&size=16&student=4,4&peer=4,8&hidden=16&out=8&k=3`);
      await page.setInputFiles('#folder', path.join(folder, 'shapes'));
      expect(await page.textContent('#folder-text')).toBe('16 files in 2 folders');
      await page.click('#start');
      const s = await until(page, 'the end of training', (x) => x.phase === 'done', 60_000);
      expect(s.steps.length).toBe(6);
      expect(await page.textContent('#data')).toMatch(/12 training, 4 held-out, 2 classes, 3×16×16/);
      expect(s.knn.at(-1)!.step).toBe(6);
      expect(s.viewsShown).toBeGreaterThanOrEqual(1);
      await page.screenshot({ path: path.join(OUT, 'folder.png'), fullPage: true });
    } finally {
      await browser.close();
      rmSync(folder, { recursive: true, force: true });
    }
  }, 90_000);
});
