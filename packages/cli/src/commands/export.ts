/**
 * `dogo export RUN_DIR`: a model's encoder as safetensors that PyTorch loads as it is (torchvision names,
 * `num_batches_tracked`, metadata that rebuilds the module: nn's encoderToSafetensors), or as an ONNX model
 * (@dogo/onnx) with the projection head optionally.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { encoderMetadata, encoderToSafetensors, resnetLayout } from '@dogo/nn';
import { exportOnnx } from '@dogo/onnx';
import { NonFiniteStateError, findNonFiniteTensor } from '@dogo/ssl';
import { fsStep } from '../fs_errors.js';
import { ConfigError } from '../train/train_config.js';
import { readRunModel } from './run_folder.js';

export const EXPORT_HELP = `usage: dogo export RUN_DIR [options]

  --model NAME      the model of the run to export (default: the run's first)
  --format F        safetensors | onnx (default: safetensors)
  --out FILE        where to write (default: RUN_DIR/NAME-encoder.safetensors or .onnx)
  --head            onnx: also output the projection head's output ("projection")

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

export async function exportCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(EXPORT_HELP);
    return 0;
  }
  const { values, positionals } = parseArgs({
    args, strict: true, allowPositionals: true,
    options: { model: { type: 'string' }, out: { type: 'string' }, format: { type: 'string' }, head: { type: 'boolean' } },
  });
  const dir = positionals[0];
  if (!dir) throw new ConfigError('usage: dogo export RUN_DIR [--model NAME] [--format safetensors|onnx] [--out FILE] [--head] (dogo export --help)');
  const format = values.format ?? 'safetensors';
  if (!(FORMATS as readonly string[]).includes(format)) throw new ConfigError(`--format must be one of ${FORMATS.join(', ')}, got "${format}"`);
  if (values.head && format !== 'onnx') throw new ConfigError('--head only applies to --format onnx (safetensors exports hold the encoder alone)');
  const run = readRunModel(dir, values.model);
  const name = run.config.name;
  const bad = findNonFiniteTensor(Object.fromEntries(Object.entries({ ...run.weights, ...(values.head ? run.headWeights : {}) }).map(([k, data]) => [k, { data }])));
  if (bad) {
    throw new NonFiniteStateError(`${dir}: the checkpoint at step ${run.step} holds non-finite weights of ${name} (${bad}); nothing was exported; resume from an earlier checkpoint (--keep-checkpoints, --resume-from) with a lower learning rate`);
  }
  const [, h, w] = run.imageShape;
  const description = { arch: run.config.arch, width: run.config.width ?? 1, layout: resnetLayout(run.encoder), normalization: run.normalization };
  const extra = { source: 'dogo', model: name, step: String(run.step), image_size: `${h}x${w}` };
  const out = values.out ?? `${dir}/${name}-encoder.${format}`;
  if (format === 'onnx') {
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
