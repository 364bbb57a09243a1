/**
 * What a file needs to rebuild an encoder without the run that trained it: the ResNet's layout (block type,
 * planes and blocks per stage, stem, input channels) and the input normalisation, as safetensors string
 * metadata. Public. `encoderMetadata` writes the keys, `parseEncoderMetadata` reads them back and names the key
 * at fault. The same keys go into ONNX exports' metadata_props. Reads and writes no file.
 */
import { DogoError } from '@dogo/core';
import { BasicBlock, Bottleneck } from '../resnet/blocks.js';
import { ResNet } from '../resnet/resnet.js';

/** A file's encoder metadata is missing a key or holds a value that cannot describe a ResNet. */
export class EncoderMetadataError extends DogoError {}

/** Version of the metadata keys below (`dogo_encoder`). */
export const ENCODER_METADATA_VERSION = '1';

/** How pixel values x in 0..255 become the encoder's input: (x / 255 - mean[c]) / std[c] per channel c. */
export interface InputNormalization {
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/** Everything `new ResNet(...)` needs to rebuild an encoder exactly (no classifier). */
export interface ResNetLayout {
  readonly block: 'basic' | 'bottleneck';
  /** Planes of each stage (before the block's expansion). */
  readonly stageChannels: readonly number[];
  /** Blocks of each stage. */
  readonly blocksPerStage: readonly number[];
  readonly stemChannels: number;
  readonly stem: 'cifar' | 'imagenet';
  readonly inChannels: number;
  /** Width of the pooled features (last stage planes x expansion). */
  readonly featureDim: number;
}

/** An encoder as a file describes it. */
export interface EncoderDescription {
  /** The architecture name the run used (`resnet18`, `resnet-small`, ...); informational. */
  readonly arch: string;
  /** The width multiplier the stage widths came from (1 where stages were given). */
  readonly width: number;
  readonly layout: ResNetLayout;
  readonly normalization: InputNormalization;
}

/** The layout of a ResNet encoder; throws for a model with a classifier (`fc`), which is not an encoder. */
export function resnetLayout(model: ResNet): ResNetLayout {
  if (model.numClasses !== undefined) throw new EncoderMetadataError(`resnetLayout: the model has a ${model.numClasses}-class fc layer; describe the encoder (built without numClasses)`);
  return {
    block: model.block === Bottleneck ? 'bottleneck' : 'basic',
    stageChannels: [...model.stageChannels],
    blocksPerStage: [...model.layers],
    stemChannels: model.stemChannels,
    stem: model.stem,
    inChannels: model.inChannels,
    featureDim: model.featureDim,
  };
}

/** A fresh encoder with this layout (its state-dict names and shapes are the described model's). */
export function buildResNet(layout: ResNetLayout): ResNet {
  const model = new ResNet(layout.block === 'bottleneck' ? Bottleneck : BasicBlock, layout.blocksPerStage, {
    stageChannels: layout.stageChannels, stemChannels: layout.stemChannels, stem: layout.stem, inChannels: layout.inChannels,
  });
  if (model.featureDim !== layout.featureDim) {
    throw new EncoderMetadataError(`the layout gives ${model.featureDim} features, but feature_dim says ${layout.featureDim}; the metadata is inconsistent`);
  }
  return model;
}

/** The string metadata of an encoder file: format "pt" (Hugging Face loaders require it), the layout and the normalisation. */
export function encoderMetadata(d: EncoderDescription): Record<string, string> {
  const { layout: l, normalization: n } = d;
  if (n.mean.length !== l.inChannels || n.std.length !== l.inChannels) {
    throw new EncoderMetadataError(`normalisation has ${n.mean.length} means and ${n.std.length} stds for ${l.inChannels} input channels`);
  }
  return {
    format: 'pt',
    dogo_encoder: ENCODER_METADATA_VERSION,
    arch: d.arch,
    block: l.block,
    stages: JSON.stringify(l.stageChannels),
    blocks: JSON.stringify(l.blocksPerStage),
    width: String(d.width),
    stem: l.stem,
    stem_channels: String(l.stemChannels),
    in_channels: String(l.inChannels),
    feature_dim: String(l.featureDim),
    input_mean: JSON.stringify(n.mean),
    input_std: JSON.stringify(n.std),
    input_normalization: '(x / 255 - input_mean[c]) / input_std[c] for pixel values x in 0..255, images [N, in_channels, H, W]',
  };
}

/** Parses an encoder file's metadata; throws EncoderMetadataError naming `source` and every key at fault. */
export function parseEncoderMetadata(meta: Readonly<Record<string, string>>, source: string): EncoderDescription {
  const problems: string[] = [];
  const text = (key: string): string | undefined => {
    const v = meta[key];
    if (v === undefined) problems.push(`"${key}" is missing`);
    return v;
  };
  const positive = (key: string, v: unknown): number => {
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 1) return v;
    problems.push(`"${key}" must be a positive integer, got ${JSON.stringify(v)}`);
    return 1;
  };
  const json = (key: string): unknown => {
    const v = text(key);
    if (v === undefined) return undefined;
    try {
      return JSON.parse(v);
    } catch {
      problems.push(`"${key}" is not JSON: ${JSON.stringify(v)}`);
      return undefined;
    }
  };
  const ints = (key: string): number[] => {
    const v = json(key);
    if (v === undefined) return [];
    if (!Array.isArray(v) || v.length === 0) {
      problems.push(`"${key}" must be a non-empty list of positive integers, got ${JSON.stringify(v)}`);
      return [];
    }
    return v.map((x: unknown, i) => positive(`${key}[${i}]`, x));
  };
  const numbers = (key: string, min: number): number[] => {
    const v = json(key);
    if (v === undefined) return [];
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isFinite(x) && x > min)) {
      problems.push(`"${key}" must be a list of finite numbers${min > -Infinity ? ` > ${min}` : ''}, got ${JSON.stringify(v)}`);
      return [];
    }
    return v as number[];
  };
  const oneOf = <T extends string>(key: string, allowed: readonly T[]): T => {
    const v = text(key);
    if (v !== undefined && !(allowed as readonly string[]).includes(v)) problems.push(`"${key}" must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
    return (v ?? allowed[0]) as T;
  };
  const block = oneOf('block', ['basic', 'bottleneck'] as const);
  const stem = oneOf('stem', ['cifar', 'imagenet'] as const);
  const stageChannels = ints('stages');
  const blocksPerStage = ints('blocks');
  if (stageChannels.length && blocksPerStage.length && stageChannels.length !== blocksPerStage.length) {
    problems.push(`"stages" lists ${stageChannels.length} stages but "blocks" ${blocksPerStage.length}`);
  }
  const inText = text('in_channels');
  const inChannels = inText === undefined ? 1 : positive('in_channels', Number(inText));
  const stemChannels = meta['stem_channels'] === undefined ? stageChannels[0] ?? 1 : positive('stem_channels', Number(meta['stem_channels']));
  const mean = numbers('input_mean', -Infinity);
  const std = numbers('input_std', 0);
  if (inText !== undefined && ((mean.length && mean.length !== inChannels) || (std.length && std.length !== inChannels))) {
    problems.push(`"input_mean" and "input_std" need one value per input channel (${inChannels})`);
  }
  const width = meta['width'] === undefined ? 1 : Number(meta['width']);
  if (!(width > 0)) problems.push(`"width" must be a positive number, got ${JSON.stringify(meta['width'])}`);
  if (problems.length > 0) {
    throw new EncoderMetadataError(
      `${source}: the metadata does not describe an encoder: ${problems.join('; ')}. ` +
      'Files written by `dogo export` (or the web trainer) carry these keys; for other files, build the model in code and use loadStateDict',
    );
  }
  const expansion = block === 'bottleneck' ? Bottleneck.expansion : BasicBlock.expansion;
  const featureDim = meta['feature_dim'] === undefined ? stageChannels[stageChannels.length - 1]! * expansion : Number(meta['feature_dim']);
  return {
    arch: meta['arch'] ?? 'resnet',
    width,
    layout: { block, stageChannels, blocksPerStage, stemChannels, stem, inChannels, featureDim },
    normalization: { mean, std },
  };
}
