/**
 * Test-only page entry (bundled by browser_conformance.test.ts): runs every conformance case the test
 * server lists under /vectors/ on WebGpuBackend with a device from navigator.gpu (@dogo/browser), prints
 * each failure, and ends with `N passed, M failed` in #result; sets body[data-done] when finished.
 */
import { decodeCase, formatFailure, runCase } from '@dogo/core';
import { requestBrowserGpuDevice } from '@dogo/browser';
import { WebGpuBackend } from '../backend/index.js';

function log(line: string): void {
  console.log(line);
  const pre = document.createElement('pre');
  pre.textContent = line;
  document.body.append(pre);
}

async function main(): Promise<string> {
  const handle = await requestBrowserGpuDevice();
  const { limits: _limits, features: _features, ...info } = handle.info;
  document.body.dataset['adapter'] = JSON.stringify(info);
  log(`adapter: ${info.name} (software: ${info.isSoftware})`);
  const backend = new WebGpuBackend(handle.device, { adapterName: info.name });
  const names = (await (await fetch('/vectors/index.json')).json()) as string[];
  let passed = 0;
  let failed = 0;
  for (const name of names) {
    const r = await runCase(backend, decodeCase(name, await (await fetch(`/vectors/${name}`)).json()));
    if (r.passed) passed++;
    else {
      failed++;
      log(formatFailure(r));
    }
  }
  handle.device.destroy();
  return `${passed} passed, ${failed} failed`;
}

const result = document.getElementById('result')!;
main().then(
  (summary) => (result.textContent = summary),
  (e: unknown) => (result.textContent = `error: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`),
).finally(() => {
  log(result.textContent ?? '');
  document.body.dataset['done'] = '1';
});
