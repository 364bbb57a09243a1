/**
 * The browser page of the dogo-browser example: the same DoGo code as on Node (examples/dogo/dogo.ts), on the
 * wasm backend of @dogo/platform's browser build, on the Fashion-MNIST subset fetched from the page's server.
 * Writes the result as JSON to document.body.dataset.result (or the error to dataset.error).
 */
import { FASHION_MNIST_FILES, fashionMnistDataset, firstPerClass } from '@dogo/data';
import { createBackend } from '@dogo/platform';
import { trainDogo } from '../dogo/dogo.js';

async function bytes(name: string): Promise<Uint8Array> {
  const res = await fetch(`/data/${name}.gz`);
  if (!res.ok) throw new Error(`GET /data/${name}.gz: ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

async function run(): Promise<void> {
  const steps = Number(new URLSearchParams(location.search).get('steps') ?? 20);
  const split = async (s: 'train' | 'test') => fashionMnistDataset({ images: await bytes(FASHION_MNIST_FILES[s].images), labels: await bytes(FASHION_MNIST_FILES[s].labels) });
  const train = firstPerClass(await split('train'), 100);
  const test = firstPerClass(await split('test'), 50);
  const backend = await createBackend('wasm', { threads: 1, log: console.log });
  const result = await trainDogo(backend, train, test, { steps, log: console.log });
  document.body.dataset['result'] = JSON.stringify({ backend: backend.name, userAgent: navigator.userAgent, ...result });
}

run().catch((e: unknown) => {
  document.body.dataset['error'] = e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e);
});
