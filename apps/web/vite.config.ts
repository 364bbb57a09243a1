/**
 * Vite build of the trainer page. Workspace packages resolve to their TypeScript sources (the "source"
 * export condition), the training worker is bundled as an ES module, the embedded Fashion-MNIST subset is
 * copied next to the page (data/fashion-mnist-subset/*.gz) and served as is, and the dev and preview
 * servers send the cross-origin isolation headers (COOP same-origin, COEP require-corp) that SharedArrayBuffer,
 * and so threaded wasm, need.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));
const SUBSET_DIR = path.resolve(here, '../../packages/data/assets/fashion-mnist-subset');
const SUBSET_URL = 'data/fashion-mnist-subset/';

/** The same headers as serve.mjs sends. */
const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** Copies the four .gz IDX files into the build, and serves them in dev, without Content-Encoding. */
function embeddedSubset(): Plugin {
  const files = () => readdirSync(SUBSET_DIR).filter((f) => f.endsWith('.gz'));
  return {
    name: 'dogo-embedded-subset',
    generateBundle() {
      for (const f of files()) this.emitFile({ type: 'asset', fileName: SUBSET_URL + f, source: readFileSync(path.join(SUBSET_DIR, f)) });
    },
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const url = (req.url ?? '').split('?')[0]!;
        const i = url.indexOf(SUBSET_URL);
        const name = i >= 0 ? url.slice(i + SUBSET_URL.length) : '';
        if (!name || !files().includes(name)) return next();
        res.setHeader('Content-Type', 'application/octet-stream');
        res.end(readFileSync(path.join(SUBSET_DIR, name)));
      });
    },
  };
}

export default defineConfig({
  root: here,
  base: './',
  plugins: [embeddedSubset()],
  resolve: { conditions: ['source', 'module', 'browser', 'development|production'] },
  worker: { format: 'es' },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: true, chunkSizeWarningLimit: 4096 },
  server: { host: '127.0.0.1', headers: ISOLATION_HEADERS },
  preview: { host: '127.0.0.1', headers: ISOLATION_HEADERS },
});
