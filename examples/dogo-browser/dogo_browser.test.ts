/**
 * The dogo-browser example in headless Chromium: page.ts is bundled with esbuild for the browser, served with
 * the embedded Fashion-MNIST files from 127.0.0.1, and driven through playwright-core; the page trains DoGo with
 * the same code as the Node example and the test checks its result. Skips with a message without
 * /usr/bin/chromium; fails instead under CI=true.
 */
import { afterAll, beforeAll, describe, expect, test, TestRunner } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type BrowserContext } from 'playwright-core';
import { EMBEDDED_FASHION_MNIST_DIR } from '@dogo/data/node';
import { mean, type DogoResult } from '../dogo/dogo.js';

const CHROMIUM = '/usr/bin/chromium';
const STEPS = 20;
/** kNN accuracy (ten classes: chance is 0.1) the student must reach in the page. */
const KNN_FLOOR = 0.4;
const here = path.dirname(fileURLToPath(import.meta.url));
const missing = !existsSync(CHROMIUM);
if (missing) {
  if (process.env.CI === 'true') throw new Error(`the browser example cannot run under CI: ${CHROMIUM} not found (install Debian's chromium package)`);
  process.stderr.write(`\n[dogo-browser example] SKIPPED: ${CHROMIUM} not found (CI=true makes this a failure)\n`);
  (TestRunner.getCurrentSuite().file.meta as Record<string, unknown>)['skipReason'] = `${CHROMIUM} not found (apt-get install chromium)`;
}

describe.skipIf(missing)('the DoGo example in headless Chromium', () => {
  let server: Server;
  let browser: BrowserContext;
  let url: string;
  let profile: string;

  beforeAll(async () => {
    const bundle = await build({
      entryPoints: [path.join(here, 'page.ts')], bundle: true, format: 'esm', platform: 'browser', target: 'es2022', write: false, logLevel: 'silent',
    });
    const script = bundle.outputFiles[0]!.text;
    const html = '<!doctype html><meta charset="utf-8"><title>dogo example: DoGo in the browser</title><body><script type="module" src="/page.js"></script></body>';
    server = createServer((req, res) => {
      const p = decodeURIComponent((req.url ?? '/').split('?')[0]!);
      const send = (type: string, body: string | Buffer) => res.writeHead(200, { 'content-type': type }).end(body);
      if (p === '/') return send('text/html', html);
      if (p === '/page.js') return send('text/javascript', script);
      const name = p.startsWith('/data/') ? path.basename(p) : '';
      if (/^[a-z0-9-]+-ubyte\.gz$/.test(name)) return send('application/octet-stream', readFileSync(path.join(EMBEDDED_FASHION_MNIST_DIR, name)));
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/?steps=${STEPS}`;
    profile = mkdtempSync(path.join(os.tmpdir(), 'dogo-example-chromium-'));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM, headless: true, args: ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  test(`the page trains DoGo for ${STEPS} steps on wasm: the peer's NT-Xent falls, the student's kNN clears the floor`, async () => {
    const page = await browser.newPage();
    const lines: string[] = [];
    page.on('console', (m) => lines.push(m.text()));
    page.on('pageerror', (e) => lines.push(`pageerror: ${e.message}`));
    await page.goto(url);
    await page.waitForFunction(() => document.body.dataset['result'] !== undefined || document.body.dataset['error'] !== undefined, null, { timeout: 540_000, polling: 500 });
    const error = await page.evaluate(() => document.body.dataset['error']);
    expect(error, lines.join('\n')).toBeUndefined();
    const r = JSON.parse((await page.evaluate(() => document.body.dataset['result']))!) as DogoResult & { backend: string; userAgent: string };
    expect(r.backend).toBe('wasm');
    expect(r.userAgent).toMatch(/Chrome/);
    expect(mean(r.ntXent.peer, STEPS - 10, STEPS), lines.join('\n')).toBeLessThan(mean(r.ntXent.peer, 0, 10));
    expect(r.knnAfter).toBeGreaterThanOrEqual(KNN_FLOOR);
    await page.close();
  }, 600_000);
});
