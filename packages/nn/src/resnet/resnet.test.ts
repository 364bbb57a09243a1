import { describe, expect, it } from 'vitest';
import { Graph } from '@dogo/core';
import { ForwardContext } from '../module/forward_context.js';
import { countParameters, forwardFlops } from '../analytics/analytics.js';
import { Bottleneck } from './blocks.js';
import { resnet18, resnet34, resnet50, resnetSmall, ResNet } from './resnet.js';

// torchvision.models.resnet18().state_dict(): every key and shape, in order (num_batches_tracked included).
const TORCHVISION_RESNET18 = `
conv1.weight [64,3,7,7]
bn1.weight [64]
bn1.bias [64]
bn1.running_mean [64]
bn1.running_var [64]
bn1.num_batches_tracked []
layer1.0.conv1.weight [64,64,3,3]
layer1.0.bn1.weight [64]
layer1.0.bn1.bias [64]
layer1.0.bn1.running_mean [64]
layer1.0.bn1.running_var [64]
layer1.0.bn1.num_batches_tracked []
layer1.0.conv2.weight [64,64,3,3]
layer1.0.bn2.weight [64]
layer1.0.bn2.bias [64]
layer1.0.bn2.running_mean [64]
layer1.0.bn2.running_var [64]
layer1.0.bn2.num_batches_tracked []
layer1.1.conv1.weight [64,64,3,3]
layer1.1.bn1.weight [64]
layer1.1.bn1.bias [64]
layer1.1.bn1.running_mean [64]
layer1.1.bn1.running_var [64]
layer1.1.bn1.num_batches_tracked []
layer1.1.conv2.weight [64,64,3,3]
layer1.1.bn2.weight [64]
layer1.1.bn2.bias [64]
layer1.1.bn2.running_mean [64]
layer1.1.bn2.running_var [64]
layer1.1.bn2.num_batches_tracked []
layer2.0.conv1.weight [128,64,3,3]
layer2.0.bn1.weight [128]
layer2.0.bn1.bias [128]
layer2.0.bn1.running_mean [128]
layer2.0.bn1.running_var [128]
layer2.0.bn1.num_batches_tracked []
layer2.0.conv2.weight [128,128,3,3]
layer2.0.bn2.weight [128]
layer2.0.bn2.bias [128]
layer2.0.bn2.running_mean [128]
layer2.0.bn2.running_var [128]
layer2.0.bn2.num_batches_tracked []
layer2.0.downsample.0.weight [128,64,1,1]
layer2.0.downsample.1.weight [128]
layer2.0.downsample.1.bias [128]
layer2.0.downsample.1.running_mean [128]
layer2.0.downsample.1.running_var [128]
layer2.0.downsample.1.num_batches_tracked []
layer2.1.conv1.weight [128,128,3,3]
layer2.1.bn1.weight [128]
layer2.1.bn1.bias [128]
layer2.1.bn1.running_mean [128]
layer2.1.bn1.running_var [128]
layer2.1.bn1.num_batches_tracked []
layer2.1.conv2.weight [128,128,3,3]
layer2.1.bn2.weight [128]
layer2.1.bn2.bias [128]
layer2.1.bn2.running_mean [128]
layer2.1.bn2.running_var [128]
layer2.1.bn2.num_batches_tracked []
layer3.0.conv1.weight [256,128,3,3]
layer3.0.bn1.weight [256]
layer3.0.bn1.bias [256]
layer3.0.bn1.running_mean [256]
layer3.0.bn1.running_var [256]
layer3.0.bn1.num_batches_tracked []
layer3.0.conv2.weight [256,256,3,3]
layer3.0.bn2.weight [256]
layer3.0.bn2.bias [256]
layer3.0.bn2.running_mean [256]
layer3.0.bn2.running_var [256]
layer3.0.bn2.num_batches_tracked []
layer3.0.downsample.0.weight [256,128,1,1]
layer3.0.downsample.1.weight [256]
layer3.0.downsample.1.bias [256]
layer3.0.downsample.1.running_mean [256]
layer3.0.downsample.1.running_var [256]
layer3.0.downsample.1.num_batches_tracked []
layer3.1.conv1.weight [256,256,3,3]
layer3.1.bn1.weight [256]
layer3.1.bn1.bias [256]
layer3.1.bn1.running_mean [256]
layer3.1.bn1.running_var [256]
layer3.1.bn1.num_batches_tracked []
layer3.1.conv2.weight [256,256,3,3]
layer3.1.bn2.weight [256]
layer3.1.bn2.bias [256]
layer3.1.bn2.running_mean [256]
layer3.1.bn2.running_var [256]
layer3.1.bn2.num_batches_tracked []
layer4.0.conv1.weight [512,256,3,3]
layer4.0.bn1.weight [512]
layer4.0.bn1.bias [512]
layer4.0.bn1.running_mean [512]
layer4.0.bn1.running_var [512]
layer4.0.bn1.num_batches_tracked []
layer4.0.conv2.weight [512,512,3,3]
layer4.0.bn2.weight [512]
layer4.0.bn2.bias [512]
layer4.0.bn2.running_mean [512]
layer4.0.bn2.running_var [512]
layer4.0.bn2.num_batches_tracked []
layer4.0.downsample.0.weight [512,256,1,1]
layer4.0.downsample.1.weight [512]
layer4.0.downsample.1.bias [512]
layer4.0.downsample.1.running_mean [512]
layer4.0.downsample.1.running_var [512]
layer4.0.downsample.1.num_batches_tracked []
layer4.1.conv1.weight [512,512,3,3]
layer4.1.bn1.weight [512]
layer4.1.bn1.bias [512]
layer4.1.bn1.running_mean [512]
layer4.1.bn1.running_var [512]
layer4.1.bn1.num_batches_tracked []
layer4.1.conv2.weight [512,512,3,3]
layer4.1.bn2.weight [512]
layer4.1.bn2.bias [512]
layer4.1.bn2.running_mean [512]
layer4.1.bn2.running_var [512]
layer4.1.bn2.num_batches_tracked []
fc.weight [1000,512]
fc.bias [1000]
`.trim().split('\n').map((l) => {
  const [name, shape] = l.split(' ') as [string, string];
  return [name, JSON.parse(shape) as number[]] as const;
});

function names(m: ResNet): [string, number[]][] {
  return [...m.namedParameters()].map(([n, s]) => [n, [...s.shape]]);
}

function outShape(m: ResNet, input: number[], training = false): readonly number[] {
  const g = new Graph();
  return m.forward(new ForwardContext(g, { training }), g.input('x', input)).shape;
}

describe('ResNet structure', () => {
  it('resnet18 names and shapes match torchvision, num_batches_tracked aside', () => {
    expect(TORCHVISION_RESNET18).toHaveLength(122);
    const expected = TORCHVISION_RESNET18.filter(([n]) => !n.endsWith('.num_batches_tracked')).map(([n, s]) => [n, s]);
    expect(expected).toHaveLength(102);
    expect(names(resnet18({ stem: 'imagenet', numClasses: 1000 }))).toEqual(expected);
  });

  it('parameter counts of resnet18/34/50 (ImageNet stem, 1000 classes) equal torchvision', () => {
    expect(countParameters(resnet18({ stem: 'imagenet', numClasses: 1000 }))).toBe(11_689_512);
    expect(countParameters(resnet34({ stem: 'imagenet', numClasses: 1000 }))).toBe(21_797_672);
    expect(countParameters(resnet50({ stem: 'imagenet', numClasses: 1000 }))).toBe(25_557_032);
  });

  it('forward FLOPs at 224x224 match the published multiply-add counts (1.814, 3.664, 4.089 G)', () => {
    const gmacs = (m: ResNet) => forwardFlops(m, [3, 224, 224]) / 2e9;
    expect(gmacs(resnet18({ stem: 'imagenet', numClasses: 1000 }))).toBeCloseTo(1.814, 3);
    expect(gmacs(resnet34({ stem: 'imagenet', numClasses: 1000 }))).toBeCloseTo(3.664, 3);
    expect(gmacs(resnet50({ stem: 'imagenet', numClasses: 1000 }))).toBeCloseTo(4.089, 3);
  });

  it('resnet50 bottleneck names: conv3/bn3 and a downsample in the first block of every stage', () => {
    const n = [...resnet50().namedParameters()].map(([k]) => k);
    expect(n).toContain('layer1.0.conv3.weight');
    expect(n).toContain('layer1.0.downsample.0.weight'); // 64 -> 256 channels at stride 1
    expect(n).not.toContain('layer1.1.downsample.0.weight');
    expect(n).toContain('layer4.2.bn3.running_var');
    expect(n).not.toContain('fc.weight');
  });

  it('the CIFAR stem is a 3x3 stride-1 conv with no max-pool; the encoder returns [N, featureDim]', () => {
    const m = resnet18({ widthMultiplier: 1 / 16, inChannels: 1 });
    expect(m.stageChannels).toEqual([4, 8, 16, 32]);
    expect(m.featureDim).toBe(32);
    expect(names(m)[0]).toEqual(['conv1.weight', [4, 1, 3, 3]]);
    expect(outShape(m, [2, 1, 8, 8])).toEqual([2, 32]);
    const r50 = resnet50({ widthMultiplier: 1 / 16 });
    expect(r50.featureDim).toBe(128);
    expect(outShape(r50, [1, 3, 8, 8])).toEqual([1, 128]);
  });

  it('the ImageNet stem downsamples by 4 before layer1 and numClasses adds fc', () => {
    const m = resnet18({ stem: 'imagenet', widthMultiplier: 1 / 16, numClasses: 10 });
    expect(outShape(m, [2, 3, 32, 32])).toEqual([2, 10]);
    const g = new Graph();
    m.forward(new ForwardContext(g, { training: false }), g.input('x', [1, 3, 32, 32]));
    const pool = g.nodes.find((n) => n.op === 'max_pool2d')!;
    expect(pool.shape).toEqual([1, 4, 8, 8]);
    expect(pool.label).toBe('maxpool');
  });

  it('widths round and stay at least 1; explicit stageChannels set the stages', () => {
    expect(resnet18({ widthMultiplier: 0.001 }).stageChannels).toEqual([1, 1, 1, 1]);
    expect(resnet34({ widthMultiplier: 0.3 }).stageChannels).toEqual([19, 38, 77, 154]);
    const m = new ResNet(Bottleneck, [1, 1], { stageChannels: [8, 16] });
    expect(m.featureDim).toBe(64);
    expect(() => new ResNet(Bottleneck, [1, 1], { stageChannels: [8] })).toThrow(/one width per stage/);
  });

  it('resnetSmall is the benchmark student (32/64/128, two blocks, strides 1/2/2) and its peer', () => {
    const s = resnetSmall({ inChannels: 3 });
    expect(s.stageChannels).toEqual([32, 64, 128]);
    expect(s.layers).toEqual([2, 2, 2]);
    expect(s.featureDim).toBe(128);
    const n = names(s);
    expect(n[0]).toEqual(['conv1.weight', [32, 3, 3, 3]]);
    expect(n.map(([k]) => k)).not.toContain('layer1.0.downsample.0.weight');
    expect(n).toContainEqual(['layer2.0.downsample.0.weight', [64, 32, 1, 1]]);
    expect(n.map(([k]) => k).some((k) => k.startsWith('layer4'))).toBe(false);
    // 32x32 input -> 32, 16, 8 spatial: the last conv runs at 8x8.
    const g = new Graph();
    s.forward(new ForwardContext(g, { training: true }), g.input('x', [2, 3, 32, 32]));
    expect(g.nodes.filter((x) => x.op === 'conv2d').at(-1)!.shape).toEqual([2, 128, 8, 8]);
    const peer = resnetSmall({ stageChannels: [64, 128, 256], inChannels: 1 });
    expect(peer.featureDim).toBe(256);
    expect(countParameters(peer)).toBeGreaterThan(3.5 * countParameters(resnetSmall({ inChannels: 1 })));
  });

  it('refuses images with the wrong channel count, naming the expected shape', () => {
    const g = new Graph();
    expect(() => resnet18({ widthMultiplier: 1 / 16 }).forward(new ForwardContext(g, { training: false }), g.input('x', [1, 1, 8, 8]))).toThrow(/\[N,3,H,W\]/);
  });
});
