/**
 * `dogo serve RUN_DIR|FILE`: its flags, help and action. The service itself (serve_run.ts, with @dogo/serve and
 * its HTTP server) is imported when the command runs, so other commands do not load it.
 */
import { Command } from 'commander';
import { DATA_SPECS } from '../train/datasets.js';
import { addFlags, flagValues, type FlagSpec } from '../cli/flags.js';
import { setExitCode } from '../cli/run_state.js';
import type { ServeValues } from './serve_run.js';

/** The flags of `dogo serve` (values checked by serve_run.ts, naming the flag). */
const SERVE_FLAGS = [
  { flags: '--port <n>', type: 'string', help: 'port to listen on (default 8080; 0: any free port)' },
  { flags: '--host <h>', type: 'string', help: 'address to listen on (default 127.0.0.1)' },
  { flags: '--model <name>', type: 'string', help: 'with RUN_DIR: the model to serve (default: the run\'s first)' },
  { flags: '--size <HxW>', type: 'string', help: 'with FILE: the input size (default: the file\'s image_size metadata)' },
  { flags: '--backend <name>', type: 'string', help: 'auto | wasm | webgpu | reference (default auto)' },
  { flags: '--threads <n>', type: 'string', help: 'wasm worker threads' },
  { flags: '--knn-data <spec>', type: 'string', help: `labelled reference images for POST /knn: ${DATA_SPECS} (its training split)` },
  { flags: '--knn-per-class <n>', type: 'string', help: 'only the first N reference images of each class' },
  { flags: '--k <n>', type: 'string', help: 'neighbours of the kNN vote (default 20)' },
  { flags: '--max-batch <n>', type: 'string', help: 'most images of one forward pass (default 64)' },
  { flags: '--max-body-bytes <n>', type: 'string', help: 'largest request body (default: DEFAULT_LIMITS of @dogo/serve)' },
  { flags: '--max-images <n>', type: 'string', help: 'most images per request (default: DEFAULT_LIMITS of @dogo/serve)' },
] as const satisfies readonly FlagSpec[];

const SERVE_HELP_AFTER = `
Routes: GET /health; POST /embed and POST /knn with one PNG or JPEG (image/png, image/jpeg), float32 images
[N, C, H, W] (application/octet-stream) or {"pixels": [...]} (application/json), pixel values 0..255.
Concurrent requests share forward passes. Bad input gets a 4xx with a JSON {status, error}.`;

/** `dogo serve`: its flags, help and action. */
export function serveCommand(): Command {
  const cmd = new Command('serve').description('an HTTP service for embeddings and kNN labels of posted images')
    .argument('<target>', 'a run folder of `dogo train`, or an encoder file of `dogo export` (FILE.safetensors)');
  return addFlags(cmd, SERVE_FLAGS).addHelpText('after', SERVE_HELP_AFTER).action(async (target: string, opts: Record<string, unknown>) => {
    const { runServe } = await import('./serve_run.js');
    setExitCode(await runServe(target, flagValues(SERVE_FLAGS, opts) as ServeValues));
  });
}
