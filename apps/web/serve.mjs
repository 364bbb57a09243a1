#!/usr/bin/env node
/**
 * A tiny static server for the built trainer page (dist/) on 127.0.0.1, with the cross-origin isolation
 * headers (COOP same-origin, COEP require-corp) so the page gets SharedArrayBuffer and threaded wasm.
 * Files are sent as they are: the .gz IDX files go out as bytes, without Content-Encoding, and the page
 * decompresses them itself. `node serve.mjs [--port N] [--dir DIR]`; port 0 picks a free one.
 * Also imported by the end-to-end test (startServer).
 */
import { createServer } from 'node:http';
import { createReadStream, statSync } from 'node:fs';
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

/**
 * Serves `dir` on host:port; resolves to { url, port, close() } once listening. `isolate: false` leaves the
 * isolation headers out (the test uses it to check the page's single-threaded notice).
 */
export function startServer({ dir, port = 0, host = '127.0.0.1', isolate = true }) {
  const root = path.resolve(dir);
  const server = createServer((req, res) => {
    const headers = { ...(isolate ? ISOLATION_HEADERS : {}), 'Cache-Control': 'no-store' };
    let rel;
    try {
      rel = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      res.writeHead(400, headers).end('bad request');
      return;
    }
    let file = path.join(root, rel);
    if (file !== root && !file.startsWith(root + path.sep)) {
      res.writeHead(403, headers).end('forbidden');
      return;
    }
    let st;
    try {
      st = statSync(file);
      if (st.isDirectory()) {
        file = path.join(file, 'index.html');
        st = statSync(file);
      }
    } catch {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' }).end(`not found: ${rel}`);
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'Content-Length': st.size });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const actual = server.address().port;
      resolve({ url: `http://${host}:${actual}/`, port: actual, close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }) });
    });
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? process.argv[i + 1] : fallback;
  };
  const here = path.dirname(fileURLToPath(import.meta.url));
  const dir = arg('--dir', path.join(here, 'dist'));
  try {
    statSync(path.join(dir, 'index.html'));
  } catch {
    console.error(`${dir}/index.html not found: build the page first (npm run web builds and serves it)`);
    process.exit(1);
  }
  const { url } = await startServer({ dir, port: Number(arg('--port', process.env.PORT ?? 5180)) });
  console.log(`DoGo web trainer: ${url}  (cross-origin isolated; Ctrl-C stops)`);
  console.log(`  force a backend with ${url}?backend=wasm or ?backend=webgpu`);
}
