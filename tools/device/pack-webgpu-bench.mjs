#!/usr/bin/env node
// Packs what the WebGPU benchmarks need into one folder for a machine that has a GPU but neither Node nor
// the repository's node_modules (the lent GPU machine: no registry, and a 64 MiB limit on what travels):
//   .device/webgpu-bench/node.gz           this machine's Node binary, gzipped
//   .device/webgpu-bench/bench-kernels.mjs benchmarks/kernels-webgpu/run.mjs as one bundle
//   .device/webgpu-bench/dogo.mjs          the dogo CLI as one bundle (for `dogo bench --backend webgpu`)
//   .device/webgpu-bench/node_modules/webgpu/  Dawn's Node bindings (index.js + dist/linux-x64/dawn.node.gz)
//   .device/webgpu-bench/run.sh            unpacks, finds the Vulkan driver, runs the benchmarks into $OUT:
//     kernels-webgpu --sweep (every tiling per shape), then the DoGo step with the fixed rules and its profile
//     (dogo bench --tune off --profile), then tuned (--tune full, cache in $OUT/tuning-cache) with its profile;
//     the tuned run's JSON has every tunable step's candidate timings (the rule's first) and its choice
// Usage (repository root, after npm run build): node tools/device/pack-webgpu-bench.mjs
// Then, with the Vulkan loader debs in .gl/ as the device README says, one call of the device tool:
//   carry [".device", ".gl"], command "bash .device/webgpu-bench/run.sh"
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = path.join(root, '.device', 'webgpu-bench');
rmSync(out, { recursive: true, force: true });
mkdirSync(path.join(out, 'node_modules', 'webgpu', 'dist', 'linux-x64'), { recursive: true });

const common = {
  bundle: true, format: 'esm', platform: 'node', target: 'node20', logLevel: 'warning',
  conditions: ['source'], external: ['webgpu'], loader: { '.wasm': 'binary', '.wgsl': 'text', '.gz': 'binary' },
  // Bundled CommonJS (tfjs) needs require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __dogoRequire } from 'node:module'; const require = __dogoRequire(import.meta.url);" },
};
await build({ ...common, entryPoints: [path.join(root, 'benchmarks/kernels-webgpu/run.mjs')], outfile: path.join(out, 'bench-kernels.mjs') });
await build({ ...common, entryPoints: [path.join(root, 'packages/cli/src/main.ts')], outfile: path.join(out, 'dogo.mjs') });

const webgpu = path.join(root, 'node_modules', 'webgpu');
for (const f of ['index.js', 'package.json']) copyFileSync(path.join(webgpu, f), path.join(out, 'node_modules', 'webgpu', f));
writeFileSync(path.join(out, 'node_modules', 'webgpu', 'dist', 'linux-x64', 'dawn.node.gz'), gzipSync(readFileSync(path.join(webgpu, 'dist', 'linux-x64', 'dawn.node')), { level: 9 }));
writeFileSync(path.join(out, 'node.gz'), gzipSync(readFileSync(process.execPath), { level: 9 }));

writeFileSync(path.join(out, 'run.sh'), `#!/bin/bash
# Runs the WebGPU benchmarks on a GPU machine from the folder tools/device/pack-webgpu-bench.mjs made.
set -u
here=$(cd "$(dirname "$0")" && pwd)
OUT=\${OUT:-$here/out}; mkdir -p "$OUT"
# Vulkan loader (libvulkan1 and friends), carried as debs in .gl/ (see the device README).
if ! ldconfig -p | grep -q libvulkan; then for f in .gl/*.deb; do dpkg -x "$f" /; done; ldconfig; fi
if [ -z "\${VK_DRIVER_FILES:-}" ] && [ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
  export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
fi
export XDG_RUNTIME_DIR=\${XDG_RUNTIME_DIR:-/tmp/xdg}; mkdir -p "$XDG_RUNTIME_DIR"
gzip -dc "$here/node.gz" > /tmp/dogo-node && chmod +x /tmp/dogo-node
gzip -dc "$here/node_modules/webgpu/dist/linux-x64/dawn.node.gz" > "$here/node_modules/webgpu/dist/linux-x64/dawn.node"
/tmp/dogo-node --version
(command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,clocks.sm --format=csv) || true
cd "$here"
/tmp/dogo-node bench-kernels.mjs --sweep \${BENCH_ARGS:-} --out "$OUT/kernels-webgpu.json" 2>&1 | tee "$OUT/kernels-webgpu.log"
# the step with the fixed rules, then tuned on this GPU (timestamp queries where the adapter has them); both profiled
export DOGO_CACHE_DIR="$OUT/tuning-cache"
/tmp/dogo-node dogo.mjs bench --backend webgpu --tune off --profile \${DOGO_BENCH_ARGS:---batch 256 --seconds 30} 2>&1 | tee "$OUT/dogo-step-webgpu-rule.log"
/tmp/dogo-node dogo.mjs bench --backend webgpu --tune \${DOGO_TUNE:-full} --profile --json \${DOGO_BENCH_ARGS:---batch 256 --seconds 30} > "$OUT/dogo-step-webgpu-tuned.json" 2> "$OUT/dogo-step-webgpu-tuned.log"
/tmp/dogo-node -e 'const m = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(m.imagesPerSecond.toFixed(1) + " images/s tuned; choices:"); for (const c of m.kernelChoices) console.log("  " + c.layer + " " + c.op + ": " + c.choice + " (" + c.source + ")")' "$OUT/dogo-step-webgpu-tuned.json" | tee -a "$OUT/dogo-step-webgpu-tuned.log"
`);
chmodSync(path.join(out, 'run.sh'), 0o755);

const files = ['node.gz', 'bench-kernels.mjs', 'dogo.mjs', 'node_modules/webgpu/dist/linux-x64/dawn.node.gz', 'run.sh'];
const total = files.reduce((a, f) => a + statSync(path.join(out, f)).size, 0);
console.log(`packed ${path.relative(root, out)}: ${(total / 2 ** 20).toFixed(1)} MiB (${files.join(', ')})`);
