/**
 * The two torchvision residual blocks, with torchvision's child names so state dicts load both ways. Public.
 * BasicBlock (expansion 1): conv1 3x3 (stride) / bn1 / relu / conv2 3x3 / bn2, plus the shortcut.
 * Bottleneck (expansion 4, the v1.5 form with the stride on the 3x3): conv1 1x1 / bn1 / conv2 3x3 (stride) / bn2 /
 * conv3 1x1 / bn3, plus the shortcut. The shortcut is `downsample` = Sequential(Conv2d 1x1 stride, BatchNorm2d)
 * when the stride is not 1 or the channel count changes, else the identity.
 */
import { ops, type Node } from '@dogo/core';
import { Module } from '../module/module.js';
import type { ForwardContext } from '../module/forward_context.js';
import { Conv2d } from '../layers/conv2d.js';
import { BatchNorm2d } from '../layers/batch_norm.js';
import { ReLU } from '../layers/relu.js';
import { Sequential } from '../layers/sequential.js';

/** A residual block class: its constructor and its channel expansion (output = planes x expansion). */
export interface BlockType {
  readonly expansion: number;
  new (inPlanes: number, planes: number, stride: number): Module;
}

function downsample(inPlanes: number, outPlanes: number, stride: number): Sequential | undefined {
  return stride !== 1 || inPlanes !== outPlanes ? new Sequential(new Conv2d(inPlanes, outPlanes, 1, stride, 0), new BatchNorm2d(outPlanes)) : undefined;
}

export class BasicBlock extends Module {
  static readonly expansion = 1;
  readonly outChannels: number;
  private readonly hasDownsample: boolean;

  constructor(readonly inPlanes: number, readonly planes: number, readonly stride = 1) {
    super();
    this.addModule('conv1', new Conv2d(inPlanes, planes, 3, stride, 1));
    this.addModule('bn1', new BatchNorm2d(planes));
    this.addModule('relu', new ReLU());
    this.addModule('conv2', new Conv2d(planes, planes, 3, 1, 1));
    this.addModule('bn2', new BatchNorm2d(planes));
    const ds = downsample(inPlanes, planes, stride);
    if (ds) this.addModule('downsample', ds);
    this.hasDownsample = ds !== undefined;
    this.outChannels = planes;
  }

  forward(ctx: ForwardContext, x: Node): Node {
    let out = this.callChild(ctx, 'relu', this.callChild(ctx, 'bn1', this.callChild(ctx, 'conv1', x)));
    out = this.callChild(ctx, 'bn2', this.callChild(ctx, 'conv2', out));
    const identity = this.hasDownsample ? this.callChild(ctx, 'downsample', x) : x;
    return this.callChild(ctx, 'relu', ops.add(out, identity));
  }
}

export class Bottleneck extends Module {
  static readonly expansion = 4;
  readonly outChannels: number;
  private readonly hasDownsample: boolean;

  constructor(readonly inPlanes: number, readonly planes: number, readonly stride = 1) {
    super();
    const out = planes * Bottleneck.expansion;
    this.addModule('conv1', new Conv2d(inPlanes, planes, 1, 1, 0));
    this.addModule('bn1', new BatchNorm2d(planes));
    this.addModule('conv2', new Conv2d(planes, planes, 3, stride, 1));
    this.addModule('bn2', new BatchNorm2d(planes));
    this.addModule('conv3', new Conv2d(planes, out, 1, 1, 0));
    this.addModule('bn3', new BatchNorm2d(out));
    this.addModule('relu', new ReLU());
    const ds = downsample(inPlanes, out, stride);
    if (ds) this.addModule('downsample', ds);
    this.hasDownsample = ds !== undefined;
    this.outChannels = out;
  }

  forward(ctx: ForwardContext, x: Node): Node {
    let out = this.callChild(ctx, 'relu', this.callChild(ctx, 'bn1', this.callChild(ctx, 'conv1', x)));
    out = this.callChild(ctx, 'relu', this.callChild(ctx, 'bn2', this.callChild(ctx, 'conv2', out)));
    out = this.callChild(ctx, 'bn3', this.callChild(ctx, 'conv3', out));
    const identity = this.hasDownsample ? this.callChild(ctx, 'downsample', x) : x;
    return this.callChild(ctx, 'relu', ops.add(out, identity));
  }
}
