// The browser example: a `dogo export --format onnx` model run by onnxruntime-web (wasm) in a page.
// Query: ?model=URL (default model.onnx) &pixels=URL (default pixels.bin: float32 values 0..255, N images
// [C, H, W] back to back). The model's input shape [batch, C, H, W] comes from its own metadata, so N is the
// file's length over C x H x W. Sets window.__onnx = {features, dims, projection?} (the end-to-end test reads it).
// The bundle holds ONNX Runtime's JavaScript; it fetches ort-wasm-simd-threaded.wasm from beside itself.
import * as ort from './ort/ort.wasm.bundle.min.mjs';

const status = document.getElementById('status');
const params = new URLSearchParams(location.search);
// Threads need cross-origin isolation (SharedArrayBuffer); a plain page runs on one.
ort.env.wasm.numThreads = globalThis.crossOriginIsolated ? Math.min(4, navigator.hardwareConcurrency) : 1;

async function bytes(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r.arrayBuffer();
}

try {
  const session = await ort.InferenceSession.create(await bytes(params.get('model') ?? 'model.onnx'), { executionProviders: ['wasm'] });
  const meta = session.inputMetadata.find((m) => m.name === 'pixels');
  const [, c, h, w] = meta.shape;
  const pixels = new Float32Array(await bytes(params.get('pixels') ?? 'pixels.bin'));
  const n = pixels.length / (c * h * w);
  if (!Number.isInteger(n)) throw new Error(`pixels.bin holds ${pixels.length} values, not a whole number of ${c}x${h}x${w} images`);
  const out = await session.run({ pixels: new ort.Tensor('float32', pixels, [n, c, h, w]) });
  const result = { features: Array.from(out.features.data), dims: out.features.dims };
  if (out.projection) result.projection = Array.from(out.projection.data);
  globalThis.__onnx = result;
  status.textContent = `${n} images -> features [${out.features.dims.join(', ')}]`;
  document.getElementById('features').textContent = result.features.slice(0, 8).map((v) => v.toFixed(4)).join(' ') + ' …';
} catch (e) {
  globalThis.__onnx = { error: String(e?.message ?? e) };
  status.textContent = `failed: ${globalThis.__onnx.error}`;
}
