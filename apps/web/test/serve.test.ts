/**
 * The static server of the trainer page under hostile requests and settings: no way out of its folder through
 * a symlink, one bad file never takes the server down, a FIFO does not hang a request, only GET and HEAD are
 * answered, and port mistakes get a one-line error instead of a stack trace.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface Server { url: string; port: number; close(): Promise<void> }
const serveMjs = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'serve.mjs');
let dir = '';
let server: Server;
let socketServer: net.Server;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'dogo-serve-'));
  const site = path.join(dir, 'site');
  mkdirSync(site);
  writeFileSync(path.join(site, 'index.html'), '<p>page</p>');
  writeFileSync(path.join(dir, 'secret.txt'), 'outside the served folder');
  symlinkSync(path.join(dir, 'secret.txt'), path.join(site, 'secret.txt'));
  symlinkSync('/etc', path.join(site, 'etc'));
  symlinkSync(path.join(site, 'index.html'), path.join(site, 'inside.html'));
  expect(spawnSync('mkfifo', [path.join(site, 'pipe.js')]).status).toBe(0);
  // A socket file: opening it fails (ENXIO), the way an unreadable file fails to open.
  socketServer = net.createServer();
  await new Promise<void>((r) => socketServer.listen(path.join(site, 'sock.js'), r));
  const { startServer } = (await import('../serve.mjs')) as { startServer(o: { dir: string; port?: number }): Promise<Server> };
  server = await startServer({ dir: site, port: 0 });
});

afterAll(async () => {
  await server?.close();
  socketServer?.close();
  rmSync(dir, { recursive: true, force: true });
});

const get = (p: string, init?: RequestInit) => fetch(new URL(p, server.url), { ...init, signal: AbortSignal.timeout(5_000) });

describe('serve.mjs', () => {
  it('serves the page with the isolation headers, and files reached through symlinks inside the folder', async () => {
    const r = await get('/');
    expect(r.status).toBe(200);
    expect(r.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    expect(await r.text()).toBe('<p>page</p>');
    expect(await (await get('/inside.html')).text()).toBe('<p>page</p>');
  });

  it('refuses symlinks that lead out of its folder', async () => {
    const secret = await get('/secret.txt');
    expect(secret.status).toBe(403);
    expect(await secret.text()).not.toContain('outside');
    const passwd = await get('/etc/passwd');
    expect(passwd.status).toBe(403);
  });

  it('answers a FIFO and a file it cannot open on their own requests, and keeps serving', async () => {
    expect((await get('/pipe.js')).status).toBe(404);
    expect((await get('/sock.js')).status).toBeGreaterThanOrEqual(400);
    expect((await get('/')).status).toBe(200);
  });

  it('answers only GET and HEAD', async () => {
    for (const method of ['POST', 'DELETE', 'PUT']) {
      const r = await get('/', { method });
      expect(r.status).toBe(405);
      expect(r.headers.get('allow')).toBe('GET, HEAD');
    }
    const head = await get('/', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('11');
  });

  it('gives port mistakes a one-line error and a non-zero exit', () => {
    const site = path.join(dir, 'site');
    const run = (...args: string[]) => spawnSync(process.execPath, [serveMjs, '--dir', site, ...args], { encoding: 'utf8', timeout: 10_000 });
    for (const [args, text] of [
      [['--port', 'abc'], '--port must be an integer from 0 to 65535 (0 picks a free port), got "abc"'],
      [['--port=-1'], '--port must be an integer from 0 to 65535 (0 picks a free port), got "-1"'],
      [['--port', '70000'], 'got "70000"'],
      [['--port', String(server.port)], `port ${server.port} on 127.0.0.1 is in use; stop what listens there or pass another --port`],
    ] as const) {
      const r = run(...args);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toContain(text);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
