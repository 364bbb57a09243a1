/**
 * `dogo export RUN_DIR`: a model's encoder as safetensors that PyTorch loads as it is (torchvision names,
 * `num_batches_tracked`, metadata that rebuilds the module: nn's encoderToSafetensors), or as an ONNX model
 * (@dogo/onnx) with the projection head optionally.
 */
import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { encoderMetadata, encoderToSafetensors, resnetLayout } from '@dogo/nn';
import { refuseNonFiniteWeights } from './finite_weights.js';
import { fsStep } from '../fs_errors.js';
import { ConfigError } from '../train/train_config.js';
import { readRunModel } from './run_folder.js';
import { addFlags, flagValues, type FlagSpec } from '../cli/flags.js';
import { setExitCode } from '../cli/run_state.js';

/** The flags of `dogo export`. */
const EXPORT_FLAGS = [
  { flags: '--model <name>', type: 'string', help: 'the model of the run to export (default: the run\'s first)' },
  { flags: '--format <f>', type: 'string', help: 'safetensors | onnx (default: safetensors)' },
  { flags: '--out <file>', type: 'string', help: 'where to write (default: RUN_DIR/NAME-encoder.safetensors or .onnx)' },
  { flags: '--head', type: 'boolean', help: 'onnx: also output the projection head\'s output ("projection")' },
] as const satisfies readonly FlagSpec[];

/** Said after the flags in `dogo export --help`. */
const EXPORT_HELP_AFTER = `
safetensors: the encoder's state dict with torchvision names (conv1.weight, layer1.0.bn1.running_mean, ...), F32,
and every batch norm's num_batches_tracked (I64: the run's training steps). PyTorch loads it with
load_state_dict(strict=True) into the module the metadata describes:
  format "pt"; arch, block (basic | bottleneck), stages (planes per stage), blocks (per stage), width,
  stem (cifar: 3x3 conv stride 1, no max-pool | imagenet: 7x7 conv stride 2 and 3x3 max-pool stride 2),
  stem_channels, in_channels, feature_dim; input_mean, input_std: the input is (x / 255 - mean[c]) / std[c]
  for pixel values x in 0..255; image_size (HxW of the run's images); model, step, source.
A ResNet with stem_channels != 64 or a CIFAR stem is not torchvision's resnet18/50, but has the same names:
docs/pytorch.md has a short Python module that rebuilds any exported encoder from this metadata.
\`dogo train --init NAME=FILE\` starts a run from such a file (or a torchvision state dict).

onnx: opset 17, input "pixels" float32 [batch, C, H, W] (pixel values 0..255; normalised inside the model),
output "features" [batch, D] (and "projection" with --head); the batch dimension is dynamic, H and W are the
run's image size. The metadata goes into metadata_props. Runs in onnxruntime-node and onnxruntime-web.`;

const FORMATS = ['safetensors', 'onnx'] as const;

interface ExportValues { model?: string; format?: string; out?: string; head?: boolean }

/** `dogo export RUN_DIR`: its flags, help and action. */
export function exportCommand(): Command {
  const cmd = new Command('export').description('an encoder of a run as safetensors for PyTorch, or as ONNX').argument('<run_dir>', 'the --out folder of a dogo train run');
  return addFlags(cmd, EXPORT_FLAGS).addHelpText('after', EXPORT_HELP_AFTER).action(async (dir: string, opts: Record<string, unknown>) => {
    setExitCode(await runExport(dir, flagValues(EXPORT_FLAGS, opts) as ExportValues));
  });
}

async function runExport(dir: string, values: ExportValues): Promise<number> {
  const format = values.format ?? 'safetensors';
  if (!(FORMATS as readonly string[]).includes(format)) throw new ConfigError(`--format must be one of ${FORMATS.join(', ')}, got "${format}"`);
  if (values.head && format !== 'onnx') throw new ConfigError('--head only applies to --format onnx (safetensors exports hold the encoder alone)');
  const run = readRunModel(dir, values.model);
  const name = run.config.name;
  refuseNonFiniteWeights(`${dir}: the checkpoint at step ${run.step} of ${name}`, { ...run.weights, ...(values.head ? run.headWeights : {}) }, 'nothing was exported');
  const [, h, w] = run.imageShape;
  const description = { arch: run.config.arch, width: run.config.width ?? 1, layout: resnetLayout(run.encoder), normalization: run.normalization };
  const extra = { source: 'dogo', model: name, step: String(run.step), image_size: `${h}x${w}` };
  const out = values.out ?? `${dir}/${name}-encoder.${format}`;
  if (format === 'onnx') {
    // Imported here: the ONNX encoder (protobuf) is loaded only for this format.
    const { exportOnnx } = await import('@dogo/onnx');
    const bytes = exportOnnx({
      encoder: run.encoder, weights: run.weights, imageShape: run.imageShape, normalization: run.normalization, name: `dogo_${name}`,
      ...(values.head ? { head: { module: run.head, weights: run.headWeights } } : {}),
      metadata: { ...extra, ...encoderMetadata(description) },
    });
    fsStep('write', out, () => writeFileSync(out, bytes));
    console.log(`wrote ${out}: ONNX opset 17, ${name} (${run.config.arch}) at step ${run.step}, input pixels [batch, ${run.imageShape.join(', ')}], outputs features${values.head ? ' and projection' : ''}`);
    return 0;
  }
  const bytes = encoderToSafetensors(run.encoder, run.weights, { ...description, numBatchesTracked: run.step, metadata: extra });
  fsStep('write', out, () => writeFileSync(out, bytes));
  console.log(`wrote ${out}: ${[...run.encoder.namedParameters()].length} tensors of ${name} (${run.config.arch}) at step ${run.step}, with num_batches_tracked and the metadata that rebuilds it (dogo export --help)`);
  return 0;
}
