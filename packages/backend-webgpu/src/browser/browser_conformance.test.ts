/**
 * The browser proof: every conformance case of ../shared/vectors and of the repository's own vectors/
 * (the ops the shared set lacks: gelu, leaky_relu, elu, erf, simsiam) runs on WebGpuBackend inside
 * headless Chromium (navigator.gpu on SwiftShader where there is no GPU). The page
 * (test_conformance_page.ts) is bundled with esbuild, served with the vectors from 127.0.0.1, and driven
 * through playwright-core. Skips with a message without /usr/bin/chromium or the shared vectors; fails
 * instead under CI=true.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type BrowserContext } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../../..');
const vectorsDir = path.resolve(repoRoot, '../shared/vectors');
/** The folders served, by the name their cases are listed under. */
const vectorRoots = new Map([['shared', vectorsDir], ['repo', path.join(repoRoot, 'vectors')]]);
const required = process.env.CI === 'true' || process.env.DOGO_REQUIRE_WEBGPU === '1';

const missing = [!existsSync(CHROMIUM) && `${CHROMIUM} not found (install Debian's chromium package)`, !existsSync(vectorsDir) && `conformance vectors not found at ${vectorsDir}`].filter(Boolean);
if (missing.length > 0) {
  if (required) throw new Error(`browser conformance cannot run under CI: ${missing.join('; ')}`);
  process.stderr.write(`\n[webgpu browser test] SKIPPED: ${missing.join('; ')} (CI=true makes this a failure)\n`);
}

function caseFiles(dir: string, base = dir): string[] {
  return readdirSync(dir).sort().flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return caseFiles(p, base);
    return name.endsWith('.json') && name !== 'README.json' ? [path.relative(base, p).split(path.sep).join('/')] : [];
  });
}

describe.skipIf(missing.length > 0)('conformance in headless Chromium (navigator.gpu)', () => {
  let server: Server;
  let context: BrowserContext;
  let profile: string;
  let url: string;
  const files = missing.length > 0 ? [] : [...vectorRoots].flatMap(([name, dir]) => (existsSync(dir) ? caseFiles(dir).map((f) => `${name}/${f}`) : []));

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
      const rel = p.slice('/vectors/'.length);
      if (p.startsWith('/vectors/') && files.includes(rel)) {
        const [root, ...rest] = rel.split('/');
        return send('application/json', readFileSync(path.join(vectorRoots.get(root!)!, ...rest)));
      }
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
    expect(files.filter((f) => f.startsWith('repo/ops/gelu')).length, 'the repository vectors of the new ops are served').toBeGreaterThan(0);
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
