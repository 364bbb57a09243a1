// One tfjs measurement in its own process (a fresh wasm heap for every batch tried: an out-of-memory abort
// can leave tfjs-backend-wasm unusable). run.mjs bundles this file with esbuild (tfjs from its ES module
// builds, so that tfjs-core's gradient registrations, which no prebuilt tfjs-core bundle includes, load into
// the same copy of tfjs-core as the backends) and starts it as
//   node bundle.mjs --backend wasm|webgpu --spec JSON --seconds S --warmup N --min-steps N --max-seconds S [--webgpu-software]
// Progress goes to stderr; the last stdout line is `RESULT {json}` ({ok: false, error} when the step failed).
import { parseArgs } from 'node:util';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { conv2dFilterGrad, createTfjsDogoStep } from './tfjs_step.mjs';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' }, spec: { type: 'string' }, seconds: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '1' }, 'min-steps': { type: 'string', default: '3' }, 'max-seconds': { type: 'string', default: 'Infinity' },
    'webgpu-software': { type: 'boolean', default: false },
  },
});
const spec = JSON.parse(values.spec);
const report = (r) => { process.stdout.write(`RESULT ${JSON.stringify(r)}\n`); };
const log = (l) => process.stderr.write(`    [tfjs-${values.backend} batch ${spec.batchSize}] ${l}\n`);

let phase = 'setup';
try {
  let backendInfo = {};
  if (values.backend === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    // Bundled, the emscripten glue would look for the .wasm files beside the bundle: point it at the package's dist.
    const dist = path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
    wasm.setWasmPaths(dist + path.sep);
    if (!(await tf.setBackend('wasm'))) throw new Error('tf.setBackend("wasm") failed');
    await tf.ready();
    backendInfo = { threads: wasm.getThreadsCount(), simd: tf.env().getBool('WASM_HAS_SIMD_SUPPORT'), multithread: tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT') };
  } else if (values.backend === 'webgpu') {
    const { create, globals } = await import('webgpu');
    const { requestNodeGpuDevice, describeAdapter } = await import('@dogo/node');
    // Our adapter lookup decides hardware vs software (and sets up SwiftShader when allowed); tfjs then asks
    // navigator.gpu itself.
    const handle = await requestNodeGpuDevice({ requireHardware: !values['webgpu-software'] });
    handle.device.destroy();
    for (const [k, v] of Object.entries(globals)) if (!(k in globalThis)) globalThis[k] = v;
    const gpu = create([]);
    Object.defineProperty(globalThis, 'navigator', { value: { ...(globalThis.navigator ?? {}), gpu }, configurable: true, writable: true });
    const adapter = await gpu.requestAdapter();
    backendInfo = { adapter: adapter ? describeAdapter(adapter) : null };
    await import('@tensorflow/tfjs-backend-webgpu');
    if (!(await tf.setBackend('webgpu'))) throw new Error('tf.setBackend("webgpu") failed');
    await tf.ready();
  } else {
    throw new Error(`unknown tfjs backend "${values.backend}"`);
  }

  phase = 'self-check';
  selfCheck(tf);

  phase = 'build';
  const { timeSteps } = await import('@dogo/cli');
  const t0 = performance.now();
  const step = createTfjsDogoStep(tf, spec, { seed: 1 });
  const buildSeconds = (performance.now() - t0) / 1000;
  const images = new Uint8Array(spec.batchSize * spec.imageShape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < images.length; i++) images[i] = (Math.random() * 256) | 0;

  phase = 'steps';
  let lastLosses = {};
  const timing = await timeSteps(async () => { lastLosses = await step.step(images); }, {
    seconds: Number(values.seconds), warmupSteps: Number(values.warmup), minSteps: Number(values['min-steps']), maxSeconds: Number(values['max-seconds']),
    onStep: (s) => log(`${s.phase} step ${s.index + 1}: ${s.seconds.toFixed(3)} s (${tf.memory().numTensors} tensors, ${(tf.memory().numBytes / 2 ** 20).toFixed(0)} MiB live)`),
  });
  report({
    ok: true, backend: `tfjs-${values.backend}`, batchSize: spec.batchSize, tfjsVersion: tf.version_core, backendInfo,
    composedFilterGrad: step.composedFilterGrad, parameters: step.parameterCount, buildSeconds, ...timing, lastLosses,
    memory: tf.memory(),
  });
  step.dispose();
  process.exit(0);
} catch (e) {
  const message = (e && e.message) || String(e);
  report({ ok: false, backend: `tfjs-${values.backend}`, batchSize: spec.batchSize, phase, error: message.replace(/\s*\n\s*/g, ' ').slice(0, 400) });
  process.exit(1);
}

/**
 * The composed weight gradient against the adjoint identity <dW, V> = <dy, conv2d(x, V)> for a random V
 * (stride 1 and 2, 3x3 and 1x1): a wrong tap order or padding fails it.
 */
function selfCheck(tf) {
  for (const [k, stride] of [[3, 1], [3, 2], [1, 2]]) {
    const pad = (k - 1) / 2;
    const x = tf.randomNormal([2, 9, 9, 3], 0, 1, 'float32', 1), v = tf.randomNormal([k, k, 3, 4], 0, 1, 'float32', 2);
    const y = tf.conv2d(x, v, stride, pad);
    const dy = tf.randomNormal(y.shape, 0, 1, 'float32', 3);
    const lhs = tf.sum(tf.mul(conv2dFilterGrad(tf, x, dy, k, stride, pad), v)).dataSync()[0];
    const rhs = tf.sum(tf.mul(dy, y)).dataSync()[0];
    if (!(Math.abs(lhs - rhs) <= 1e-3 * Math.max(1, Math.abs(rhs)))) throw new Error(`composed Conv2DBackpropFilter is wrong for k=${k} stride=${stride}: ${lhs} vs ${rhs}`);
    tf.dispose([x, v, y, dy]);
  }
}
