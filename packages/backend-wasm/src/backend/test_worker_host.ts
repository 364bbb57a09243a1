/// <reference types="node" />
/**
 * Test helper: a WorkerHost on worker_threads for this package's own tests (the shipped one is @dogo/node's
 * nodeWorkerHost, which this package may not import), and the cases of a vectors folder. Not exported.
 */
import { Worker } from 'node:worker_threads';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import type { WorkerHost } from '../runtime/thread_pool.js';

/** Node 20 needs a flag for relaxed SIMD; set it before the first compile. */
v8.setFlagsFromString('--experimental-wasm-relaxed-simd');

export function testWorkerHost(): WorkerHost {
  return {
    hardwareConcurrency: 2,
    spawn(source, data, onMessage) {
      const code = `const { parentPort, workerData } = require('node:worker_threads');\n(${source})(workerData, (m) => parentPort.postMessage(m));`;
      const worker = new Worker(code, { eval: true, workerData: data });
      let stopping = false;
      worker.on('message', onMessage);
      worker.on('error', (e) => onMessage({ type: 'error', message: String((e as Error)?.stack ?? e) }));
      worker.on('exit', (c) => { if (!stopping) onMessage({ type: 'error', message: `worker exited with code ${c}` }); });
      worker.once('message', () => worker.unref());
      return { terminate: () => { stopping = true; return worker.terminate(); } };
    },
  };
}

/** Every case file under the vectors folder: [relative name, parsed JSON]. */
export function vectorCases(dir: string): [string, unknown][] {
  const out: [string, unknown][] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = path.join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.json')) out.push([path.relative(dir, p), JSON.parse(readFileSync(p, 'utf8'))]);
    }
  };
  walk(dir);
  return out;
}
