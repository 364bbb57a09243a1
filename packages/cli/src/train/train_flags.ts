/**
 * The flags of `dogo train`, one row each. Rows whose option key is a configuration key (`--batch-size` ->
 * `batchSize`) set that key and are checked by the one schema (train_config_schema.ts); the others choose the
 * preset, the config file and what to do with the run folder. Add a flag: one row here (and, for a new
 * setting, its key in the schema).
 */
import { DATA_SPECS } from './datasets.js';
import { PRESETS } from './train_config.js';
import { MAX_THREADS } from './train_config_schema.js';
import type { FlagSpec } from '../cli/flags.js';

/** Flags that are not configuration keys. */
export const RUN_FLAGS = [
  { flags: '--config <file>', type: 'string', help: 'JSON configuration (keys as in the README); flags override it' },
  { flags: '--preset <name>', type: 'string', help: `${Object.keys(PRESETS).join(' | ')} (default: default)` },
  { flags: '--resume', type: 'boolean', help: 'continue the run in --out from its last checkpoint' },
  { flags: '--resume-from <n>', type: 'number', help: 'continue from the kept checkpoint of step N (see --keep-checkpoints)' },
  { flags: '--overwrite', type: 'boolean', help: 'replace the run in --out (only a run folder: other files are never deleted)' },
  {
    flags: '--init <name=file>', type: 'list',
    help: 'start model NAME\'s encoder from a safetensors state dict (`dogo export`, or PyTorch / torchvision weights); repeat per model. Strict: missing tensors and extra ones (a classifier\'s fc.*) are refused by name; shapes are checked; num_batches_tracked is ignored',
  },
  { flags: '--init-non-strict', type: 'boolean', help: 'with --init: load the tensors that fit, keep seeded values for the rest, list both' },
] as const satisfies readonly FlagSpec[];

/** Flags that set the configuration key of the same name (commander's camelCase of the flag). */
export const CONFIG_FLAGS = [
  { flags: '--data <spec>', type: 'string', help: DATA_SPECS },
  {
    flags: '--backend <name>', type: 'string',
    help: 'auto | wasm | webgpu | reference (auto: WebGPU on a hardware adapter, else wasm); or one per model, comma-separated (wasm,wasm: each model its own wasm memory; webgpu,wasm: the first on the GPU, the second on the CPU); models exchange projections',
  },
  {
    flags: '--chunk <n|auto>', type: 'number',
    help: 'chunked steps of N images per chunk (GradCache: the loss still sees the whole batch; batch-norm statistics per chunk); auto (default): only when the step does not fit the backend\'s memory (wasm: 4 GiB), said at start',
  },
  { flags: '--recompute <mode>', type: 'string', help: 'auto | always | never: recompute activations inside residual blocks in backward instead of keeping them (auto, the default: when nothing fits without)' },
  { flags: '--epochs <n>', type: 'number', help: 'epochs over the training split' },
  { flags: '--steps <n>', type: 'number', help: 'stop after N steps (overrides --epochs)' },
  { flags: '--batch-size <n>', type: 'number', help: 'images per step' },
  { flags: '--seed <n>', type: 'number', help: 'seed of initialisation, data order and augmentation' },
  { flags: '--out <dir>', type: 'string', help: 'run folder: metrics.jsonl, checkpoint, report (default runs/latest); locked while a run writes it; a new run needs it empty or new' },
  { flags: '--baseline', type: 'boolean', help: 'also train each model alone with the same budget, and compare' },
  { flags: '--eval-every <n>', type: 'number', help: 'kNN evaluation every N epochs (0: at the end only)' },
  { flags: '--checkpoint-every <n>', type: 'number', help: 'checkpoint every N steps (0: at the end and on Ctrl-C, SIGTERM, SIGHUP)' },
  { flags: '--keep-checkpoints <k>', type: 'number', help: 'keep the last K checkpoints, so --resume-from can go back (default 1)' },
  { flags: '--linear-epochs <n>', type: 'number', help: 'linear-probe epochs in the final evaluation (0: kNN only)' },
  { flags: '--shared-views', type: 'boolean', help: 'give every model the same two views' },
  { flags: '--reduction <r>', type: 'string', help: 'distillation reduction: mean | batchmean' },
  { flags: '--threads <n>', type: 'number', help: `wasm worker threads, 1 to ${MAX_THREADS} (default: all cores)` },
] as const satisfies readonly FlagSpec[];

/** Said after the flags in `dogo train --help`. */
export const TRAIN_HELP_AFTER = `
Ctrl-C, SIGTERM and SIGHUP save a checkpoint after the current step and exit with 130, 143 and 129; a second
Ctrl-C quits at once. A step whose loss or weights become NaN or infinite stops the run with the step, the
tensor and a hint; the last good checkpoint is kept.`;
