#!/usr/bin/env node
/**
 * Runs the trainer page in headless Chromium (Debian's /usr/bin/chromium) for one configuration and prints
 * the page's images/s as JSON; with --screenshot FILE it also saves the page after the run (this is how
 * docs/web-trainer.png is made). Builds the page first.
 * Usage: node apps/web/bench/run-browser.mjs "backend=wasm&batch=32&steps=20" [--webgpu] [--screenshot FILE]
 */
import { chromium } from 'playwright-core';
import { build } from 'vite';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../serve.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const app = path.resolve(here, '..');
const query = process.argv[2] ?? 'backend=wasm';
const shot = process.argv.includes('--screenshot') ? path.resolve(process.argv[process.argv.indexOf('--screenshot') + 1]) : null;
const args = ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
if (process.argv.includes('--webgpu')) args.push('--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-vulkan=swiftshader', '--use-webgpu-adapter=swiftshader');

const dist = mkdtempSync(path.join(tmpdir(), 'dogo-web-run-'));
await build({ configFile: path.join(app, 'vite.config.ts'), root: app, logLevel: 'warn', build: { outDir: dist, emptyOutDir: true, sourcemap: false } });
const server = await startServer({ dir: dist, port: 0 });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args, headless: true });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  await page.goto(`${server.url}?${query}`);
  await page.waitForFunction(() => window.__dogo?.backend || window.__dogo?.errors.length, null, { timeout: 60_000 });
  await page.click('#start');
  await page.waitForFunction(() => ['done', 'stopped', 'error'].includes(window.__dogo.phase), null, { timeout: 3_600_000, polling: 500 });
  const s = await page.evaluate(() => ({ backend: window.__dogo.backend, phase: window.__dogo.phase, steps: window.__dogo.steps.length, imagesPerSecond: window.__dogo.imagesPerSecond, knn: window.__dogo.knn.at(-1), errors: window.__dogo.errors }));
  if (shot) await page.screenshot({ path: shot, fullPage: true });
  console.log(JSON.stringify({ platform: 'chromium', query, ...s }));
} finally {
  await browser.close();
  await server.close();
  rmSync(dist, { recursive: true, force: true });
}
