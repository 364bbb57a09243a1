/**
 * The ResNet family with torchvision's module tree and parameter names (conv1, bn1, layer1.0.conv1, ..., fc), a
 * CIFAR stem for small images, any input channel count, a width multiplier or explicit stage widths, and an
 * optional classifier. Public. Without `numClasses` the model is an encoder: it returns pooled features
 * [N, featureDim]. Does not implement groups, dilation or zero_init_residual.
 */
import { ShapeError, formatShape, type Node } from '@dogo/core';
import { Module } from '../module/module.js';
import type { ForwardContext } from '../module/forward_context.js';
import { Conv2d } from '../layers/conv2d.js';
import { BatchNorm2d } from '../layers/batch_norm.js';
import { ReLU } from '../layers/relu.js';
import { GlobalAvgPool, MaxPool2d } from '../layers/pool2d.js';
import { Linear } from '../layers/linear.js';
import { Sequential } from '../layers/sequential.js';
import { BasicBlock, Bottleneck, type BlockType } from './blocks.js';

/** Base widths of torchvision's four stages. */
export const BASE_STAGE_CHANNELS: readonly number[] = [64, 128, 256, 512];

export interface ResNetOptions {
  /**
   * 'cifar' (default): conv1 3x3 stride 1 padding 1, no max-pool, for 28-64 px images (the DoGo setting).
   * 'imagenet': conv1 7x7 stride 2 padding 3, then max-pool 3x3 stride 2 padding 1 (torchvision).
   */
  stem?: 'cifar' | 'imagenet';
  /** Image channels (default 3; 1 for MNIST-like data). */
  inChannels?: number;
  /** Scales the base widths 64, 128, 256, 512 (and the stem); each rounded, at least 1. Default 1. */
  widthMultiplier?: number;
  /** Stage widths set explicitly (planes of each stage, before expansion); overrides widthMultiplier. Strides are 1, 2, 2, ... */
  stageChannels?: readonly number[];
  /** Output channels of conv1 (default: the first stage's width). */
  stemChannels?: number;
  /** When given, an `fc` layer maps features to this many logits; otherwise the model returns the features. */
  numClasses?: number;
}

function positiveInt(what: string, v: number): number {
  if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`ResNet: ${what} must be a positive integer, got ${v}`);
  return v;
}

export class ResNet extends Module {
  /** Width of the pooled features (last stage planes x block expansion): the encoder's output size. */
  readonly featureDim: number;
  readonly stem: 'cifar' | 'imagenet';
  readonly inChannels: number;
  readonly stageChannels: readonly number[];
  /** Output channels of conv1 (and bn1). */
  readonly stemChannels: number;
  readonly numClasses: number | undefined;
  private readonly numStages: number;

  /** `layers[i]` blocks in stage i; stage i has `stageChannels[i]` planes and stride 1 for i = 0, else 2. */
  constructor(readonly block: BlockType, readonly layers: readonly number[], options: ResNetOptions = {}) {
    super();
    this.stem = options.stem ?? 'cifar';
    this.inChannels = positiveInt('inChannels', options.inChannels ?? 3);
    if (layers.length < 1) throw new RangeError('ResNet: layers must list the block count of at least one stage');
    layers.forEach((n, i) => positiveInt(`layers[${i}]`, n));
    let widths: number[];
    if (options.stageChannels) {
      if (options.stageChannels.length !== layers.length) {
        throw new RangeError(`ResNet: stageChannels has ${options.stageChannels.length} entries but layers has ${layers.length}; give one width per stage`);
      }
      widths = options.stageChannels.map((c, i) => positiveInt(`stageChannels[${i}]`, c));
    } else {
      const m = options.widthMultiplier ?? 1;
      if (!(m > 0) || !Number.isFinite(m)) throw new RangeError(`ResNet: widthMultiplier must be a positive number, got ${m}`);
      if (layers.length > BASE_STAGE_CHANNELS.length) throw new RangeError(`ResNet: ${layers.length} stages need explicit stageChannels (base widths exist for ${BASE_STAGE_CHANNELS.length})`);
      widths = layers.map((_, i) => Math.max(1, Math.round(BASE_STAGE_CHANNELS[i]! * m)));
    }
    this.stageChannels = widths;
    this.numStages = layers.length;
    const stemChannels = positiveInt('stemChannels', options.stemChannels ?? widths[0]!);
    this.stemChannels = stemChannels;

    if (this.stem === 'imagenet') {
      this.addModule('conv1', new Conv2d(this.inChannels, stemChannels, 7, 2, 3));
    } else if (this.stem === 'cifar') {
      this.addModule('conv1', new Conv2d(this.inChannels, stemChannels, 3, 1, 1));
    } else {
      throw new RangeError(`ResNet: stem must be 'cifar' or 'imagenet', got ${JSON.stringify(this.stem)}`);
    }
    this.addModule('bn1', new BatchNorm2d(stemChannels));
    this.addModule('relu', new ReLU());
    if (this.stem === 'imagenet') this.addModule('maxpool', new MaxPool2d(3, 2, 1));
    let inPlanes = stemChannels;
    widths.forEach((planes, i) => {
      const blocks: Module[] = [];
      for (let b = 0; b < layers[i]!; b++) {
        blocks.push(new block(inPlanes, planes, b === 0 && i > 0 ? 2 : 1));
        inPlanes = planes * block.expansion;
      }
      this.addModule(`layer${i + 1}`, new Sequential(...blocks));
    });
    this.featureDim = inPlanes;
    this.addModule('avgpool', new GlobalAvgPool());
    this.numClasses = options.numClasses === undefined ? undefined : positiveInt('numClasses', options.numClasses);
    if (this.numClasses !== undefined) this.addModule('fc', new Linear(this.featureDim, this.numClasses));
  }

  /** Images [N, inChannels, H, W] -> features [N, featureDim], or logits [N, numClasses] with a classifier. */
  forward(ctx: ForwardContext, x: Node): Node {
    if (x.rank !== 4 || x.shape[1] !== this.inChannels) {
      throw new ShapeError(`ResNet: input must be images [N,${this.inChannels},H,W], got ${formatShape(x.shape)}`);
    }
    let y = this.callChild(ctx, 'relu', this.callChild(ctx, 'bn1', this.callChild(ctx, 'conv1', x)));
    if (this.stem === 'imagenet') y = this.callChild(ctx, 'maxpool', y);
    for (let i = 1; i <= this.numStages; i++) y = this.callChild(ctx, `layer${i}`, y);
    y = this.callChild(ctx, 'avgpool', y);
    return this.numClasses === undefined ? y : this.callChild(ctx, 'fc', y);
  }
}

/** ResNet-18: BasicBlock, [2, 2, 2, 2]; 11,689,512 parameters with the ImageNet stem and 1000 classes. */
export function resnet18(options: ResNetOptions = {}): ResNet {
  return new ResNet(BasicBlock, [2, 2, 2, 2], options);
}

/** ResNet-34: BasicBlock, [3, 4, 6, 3]; 21,797,672 parameters with the ImageNet stem and 1000 classes. */
export function resnet34(options: ResNetOptions = {}): ResNet {
  return new ResNet(BasicBlock, [3, 4, 6, 3], options);
}

/** ResNet-50: Bottleneck, [3, 4, 6, 3]; 25,557,032 parameters with the ImageNet stem and 1000 classes. */
export function resnet50(options: ResNetOptions = {}): ResNet {
  return new ResNet(Bottleneck, [3, 4, 6, 3], options);
}

export interface ResNetSmallOptions extends Omit<ResNetOptions, 'stageChannels' | 'widthMultiplier'> {
  /** Planes of each stage (default [32, 64, 128], the DoGo benchmark's reference student; its peer uses [64, 128, 256]). */
  stageChannels?: readonly number[];
  /** BasicBlocks per stage, one number for every stage or one per stage (default 2). */
  blocksPerStage?: number | readonly number[];
}

/**
 * A small BasicBlock ResNet: CIFAR stem of stageChannels[0] channels, then one stage per entry of stageChannels
 * with strides 1, 2, 2, ... The default is the benchmark's reference student: 32/64/128, two blocks each.
 */
export function resnetSmall(options: ResNetSmallOptions = {}): ResNet {
  const { stageChannels = [32, 64, 128], blocksPerStage = 2, ...rest } = options;
  const layers = typeof blocksPerStage === 'number' ? stageChannels.map(() => blocksPerStage) : [...blocksPerStage];
  if (layers.length !== stageChannels.length) throw new RangeError(`resnetSmall: blocksPerStage has ${layers.length} entries for ${stageChannels.length} stages`);
  return new ResNet(BasicBlock, layers, { ...rest, stageChannels });
}
