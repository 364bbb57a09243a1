#!/usr/bin/env node
/**
 * A tiny static server for the built trainer page (dist/) on 127.0.0.1, with the cross-origin isolation
 * headers (COOP same-origin, COEP require-corp) so the page gets SharedArrayBuffer and threaded wasm.
 * Files are sent as they are: the .gz IDX files go out as bytes, without Content-Encoding, and the page
 * decompresses them itself. `node serve.mjs [--port N] [--dir DIR]`; port 0 picks a free one.
 * Also imported by the end-to-end test and the browser benchmark (startServer).
 *
 * What it refuses, each answered on its own request (a failure never stops the server): methods other than
 * GET and HEAD (405), paths outside the folder, symlinks included (its real path must lie inside; 403),
 * anything but a regular file (a FIFO, socket or device; 404), a file that cannot be opened or read (500).
 * Kept hand-written rather than a static-server package: each rule above is a few lines here, and the real-path
 * and regular-file checks would be needed around a package anyway.
 */
import { createServer } from 'node:http';
import { constants, realpathSync, statSync } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.map': 'application/json', '.wasm': 'application/wasm',
  '.png': 'image/png', '.svg': 'image/svg+xml', '.ico': 'image/x-icon', '.gz': 'application/octet-stream',
};

export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** A server setting that cannot work (bad port, port in use, missing folder); the message says what to do. */
export class ServeError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ServeError';
  }
}

/** Parses a --port value: an integer from 0 to 65535 (0: a free port), or throws ServeError naming it. */
export function parsePort(text) {
  const n = Number(text);
  if (typeof text !== 'string' || !/^\d+$/.test(text.trim()) || !Number.isInteger(n) || n > 65535) {
    throw new ServeError(`--port must be an integer from 0 to 65535 (0 picks a free port), got "${text}"`);
  }
  return n;
}

/** The real path of the regular file a request names, or an HTTP status with a reason. */
async function resolveFile(rootReal, rel) {
  const asked = path.join(rootReal, rel);
  if (asked !== rootReal && !asked.startsWith(rootReal + path.sep)) return { status: 403, reason: 'forbidden' };
  let real;
  try {
    real = await realpath(asked);
  } catch {
    return { status: 404, reason: `not found: ${rel}` };
  }
  // Symlinks may point anywhere: what counts is where the path really leads.
  if (real !== rootReal && !real.startsWith(rootReal + path.sep)) return { status: 403, reason: 'forbidden' };
  try {
    if (statSync(real).isDirectory()) return resolveFile(rootReal, path.join(rel, 'index.html'));
  } catch {
    return { status: 404, reason: `not found: ${rel}` };
  }
  return { file: real };
}

/**
 * Serves `dir` on host:port; resolves to { url, port, close() } once listening, or rejects with a ServeError
 * (port in use, no permission). `isolate: false` leaves the isolation headers out (the test uses it to check the
 * page's single-threaded notice).
 */
export function startServer({ dir, port = 0, host = '127.0.0.1', isolate = true }) {
  let rootReal;
  try {
    rootReal = realpathSync(path.resolve(dir));
  } catch {
    return Promise.reject(new ServeError(`${dir}: folder not found; build the page first (npm run web builds and serves it)`));
  }
  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      // Whatever failed, this request alone gets the answer; the server goes on.
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' }).end('internal error');
      else res.destroy();
    });
  });
  const headers = () => ({ ...(isolate ? ISOLATION_HEADERS : {}), 'Cache-Control': 'no-store' });
  const plain = (res, status, text, extra = {}) => res.writeHead(status, { ...headers(), 'Content-Type': 'text/plain; charset=utf-8', ...extra }).end(text);

  async function handle(req, res) {
    if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405, `method ${req.method} not allowed; this server only reads (GET, HEAD)`, { Allow: 'GET, HEAD' });
    let rel;
    try {
      rel = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      return plain(res, 400, 'bad request');
    }
    if (rel.includes('\0')) return plain(res, 400, 'bad request');
    const r = await resolveFile(rootReal, rel);
    if (!r.file) return plain(res, r.status, r.reason);
    let fh;
    try {
      // O_NONBLOCK: opening a FIFO returns at once instead of waiting for a writer; fstat then refuses it.
      fh = await open(r.file, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch (e) {
      return plain(res, e.code === 'ENOENT' ? 404 : e.code === 'EACCES' || e.code === 'EPERM' ? 403 : 500, `cannot read ${rel} (${e.code})`);
    }
    let st;
    try {
      st = await fh.stat();
    } catch (e) {
      await fh.close();
      return plain(res, 500, `cannot read ${rel} (${e.code})`);
    }
    if (!st.isFile()) {
      await fh.close();
      return plain(res, 404, `not found: ${rel} (not a regular file)`);
    }
    res.writeHead(200, { ...headers(), 'Content-Type': TYPES[path.extname(r.file)] ?? 'application/octet-stream', 'Content-Length': st.size });
    if (req.method === 'HEAD') {
      await fh.close();
      return res.end();
    }
    // The FileHandle's own stream closes the handle at the end (a stream on its bare fd would close the fd under
    // the handle, whose collection then fails with EBADF).
    const stream = fh.createReadStream();
    // A read failing part-way can only cut this response short: the status line is already sent.
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  }

  server.on('clientError', (_e, socket) => socket.destroy());
  return new Promise((resolve, reject) => {
    server.once('error', (e) => {
      if (e.code === 'EADDRINUSE') reject(new ServeError(`port ${port} on ${host} is in use; stop what listens there or pass another --port (0 picks a free one)`));
      else if (e.code === 'EACCES') reject(new ServeError(`port ${port} on ${host} needs privileges; pass a port above 1023`));
      else reject(new ServeError(`cannot listen on ${host}:${port}: ${e.message}`));
    });
    server.listen(port, host, () => {
      const actual = server.address().port;
      resolve({ url: `http://${host}:${actual}/`, port: actual, close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }) });
    });
  });
}

/** `node serve.mjs [--port N] [--dir DIR]`: returns the exit code on failure, or stays serving. */
async function main(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--(port|dir)(?:=(.*))?$/.exec(argv[i]);
    if (!m) throw new ServeError(`unknown argument "${argv[i]}"; usage: node serve.mjs [--port N] [--dir DIR]`);
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new ServeError(`--${m[1]} needs a value`);
    args[m[1]] = value;
  }
  const here = path.dirname(fileURLToPath(import.meta.url));
  const dir = args.dir ?? path.join(here, 'dist');
  const port = parsePort(args.port ?? process.env.PORT ?? '5180');
  try {
    statSync(path.join(dir, 'index.html'));
  } catch {
    throw new ServeError(`${dir}/index.html not found: build the page first (npm run web builds and serves it)`);
  }
  const { url } = await startServer({ dir, port });
  console.log(`DoGo web trainer: ${url}  (cross-origin isolated; Ctrl-C stops)`);
  console.log(`  force a backend with ${url}?backend=wasm or ?backend=webgpu`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(`serve.mjs: ${e instanceof ServeError ? e.message : e.stack ?? e}`);
    process.exit(e instanceof ServeError ? 2 : 1);
  });
}
