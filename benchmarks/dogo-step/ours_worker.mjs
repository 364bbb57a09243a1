// One measurement of our DoGo step in its own process (run.mjs starts it once per round, so every contender
// runs alone and in turn). Uses @dogo/cli's measureDogoStep on a backend from @dogo/cli's table, or for wasm
// with a forced convolution algorithm (--conv im2col: the step as it ran before Winograd).
//   node ours_worker.mjs --backend NAME --spec JSON --seconds S --warmup N --min-steps N --max-seconds S
//        [--tune off|quick|full] [--conv ALGORITHM] [--profile]
// Progress goes to stderr; the last stdout line is `RESULT {json}` ({ok: false, error} when it failed).
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' }, spec: { type: 'string' }, seconds: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '1' }, 'min-steps': { type: 'string', default: '3' }, 'max-seconds': { type: 'string', default: 'Infinity' },
    tune: { type: 'string', default: 'quick' }, conv: { type: 'string' }, profile: { type: 'boolean', default: false },
  },
});
const spec = JSON.parse(values.spec);
const label = values.conv ? `${values.backend} ${values.conv}` : values.backend;
// Resolves once the line is flushed: stdout to a pipe is asynchronous, and process.exit would cut a long
// line (a profile is hundreds of kilobytes) short.
const report = (r) => new Promise((resolve) => process.stdout.write(`RESULT ${JSON.stringify(r)}\n`, resolve));
try {
  const { createBackend, measureDogoStep } = await import('@dogo/cli');
  const backend = values.conv
    ? await (await import('@dogo/node')).createNodeWasmBackend({ threads: 'auto', tune: 'off', convAlgorithm: values.conv })
    : await createBackend(values.backend, { tune: values.tune });
  const m = await measureDogoStep(backend, spec, {
    seconds: Number(values.seconds), warmupSteps: Number(values.warmup), minSteps: Number(values['min-steps']), maxSeconds: Number(values['max-seconds']),
    profile: values.profile,
    onStep: (s) => process.stderr.write(`    [${label} batch ${spec.batchSize}] ${s.phase} step ${s.index + 1}: ${s.seconds.toFixed(3)} s\n`),
  });
  await report({ ok: true, ...m, backend: label, tune: values.conv ? 'off' : values.tune });
} catch (e) {
  await report({ ok: false, backend: label, batchSize: spec.batchSize, error: String(e?.stack ?? e) });
}
process.exit(0);
