/**
 * The browser proof: every conformance case of the repository's vectors/ (and of ../shared/vectors where
 * present) runs on WebGpuBackend inside headless Chromium (navigator.gpu on SwiftShader where there is no GPU).
 * The page (test_conformance_page.ts) is bundled with esbuild, served with the vectors from 127.0.0.1, and
 * driven through playwright-core. Skips with a message without /usr/bin/chromium; fails instead under CI=true.
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
import { caseFiles, vectorSets } from '../../../../tools/vectors/vector_folders.js';

const CHROMIUM = '/usr/bin/chromium';
const here = path.dirname(fileURLToPath(import.meta.url));
const required = process.env.CI === 'true' || process.env.DOGO_REQUIRE_WEBGPU === '1';

const missing = !existsSync(CHROMIUM);
if (missing) {
  if (required) throw new Error(`browser conformance cannot run under CI: ${CHROMIUM} not found (install Debian's chromium package)`);
  process.stderr.write(`\n[webgpu browser test] SKIPPED: ${CHROMIUM} not found (CI=true makes this a failure)\n`);
  // For the run's closing line, which groups skips by the install command at the end of the reason.
  (TestRunner.getCurrentSuite().file.meta as Record<string, unknown>)['skipReason'] = `${CHROMIUM} not found (apt-get install chromium libvulkan1)`;
}

/** Served name (set/folder/case.json) -> file, for every case of every vector set. */
const served = new Map(vectorSets().flatMap((s) => caseFiles(s.dir).map((rel): [string, string] => [`${s.name.replace(/^(\.\.\/)+/, '')}/${rel}`, path.join(s.dir, rel)])));

describe.skipIf(missing)('conformance in headless Chromium (navigator.gpu)', () => {
  let server: Server;
  let context: BrowserContext;
  let profile: string;
  let url: string;
  const files = [...served.keys()];

  beforeAll(async () => {
    const bundle = await build({
      entryPoints: [path.join(here, 'test_conformance_page.ts')],
      bundle: true, format: 'esm', platform: 'browser', target: 'es2022', write: false, conditions: ['source'], logLevel: 'silent',
    });
    const script = bundle.outputFiles[0]!.text;
    const html = '<!doctype html><meta charset="utf-8"><title>dogo webgpu conformance</title><body><div id="result">running</div><script type="module" src="/page.js"></script></body>';
    server = createServer((req, res) => {
      const p = decodeURIComponent((req.url ?? '/').split('?')[0]!);
      const send = (type: string, body: string | Buffer) => res.writeHead(200, { 'content-type': type }).end(body);
      if (p === '/') return send('text/html', html);
      if (p === '/page.js') return send('text/javascript', script);
      if (p === '/vectors/index.json') return send('application/json', JSON.stringify(files));
      const file = p.startsWith('/vectors/') ? served.get(p.slice('/vectors/'.length)) : undefined;
      if (file) return send('application/json', readFileSync(file));
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    profile = mkdtempSync(path.join(os.tmpdir(), 'dogo-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-vulkan=swiftshader', '--use-webgpu-adapter=swiftshader',
        '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });

  afterAll(async () => {
    await context?.close();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  test(`all ${files.length} vectors pass on WebGpuBackend in the page; the SwiftShader adapter is flagged as software`, async () => {
    const page = await context.newPage();
    const lines: string[] = [];
    page.on('console', (m) => lines.push(m.text()));
    page.on('pageerror', (e) => lines.push(`pageerror: ${e.message}`));
    await page.goto(url);
    await page.waitForFunction(() => document.body.dataset['done'] === '1', null, { timeout: 150_000 });
    const summary = await page.textContent('#result');
    expect(summary, lines.join('\n')).toBe(`${files.length} passed, 0 failed`);
    const adapter = JSON.parse((await page.evaluate(() => document.body.dataset['adapter'])) ?? '{}') as { name: string; vendor: string; architecture: string; isSoftware: boolean };
    // The flags force Chromium's SwiftShader adapter: describeAdapter must call it software (cli's `auto` relies on it).
    expect(`${adapter.name} ${adapter.architecture}`).toMatch(/swiftshader/i);
    expect(adapter.isSoftware).toBe(true);
    await page.close();
  }, 180_000);
});
