/**
 * The size table of the ResNet encoders DoGo uses (CIFAR stem, no classifier): parameters and forward FLOPs per
 * image for 28x28x1 and 32x32x3 inputs, for resnet18/34/50 at widths 0.25, 0.5 and 1 and the benchmark's
 * resnetSmall student (32/64/128) and peer (64/128/256). Public; `formatModelSizeTable()` prints the
 * Markdown table kept in this package's README (regenerate it with the test in model_sizes.test.ts).
 */
import { countParameters, forwardFlops } from './analytics/analytics.js';
import { resnet18, resnet34, resnet50, resnetSmall, type ResNet, type ResNetOptions } from './resnet/resnet.js';

export interface ModelSizeRow {
  /** 'resnet18', 'resnet34', 'resnet50' or 'resnetSmall'. */
  arch: string;
  /** The width multiplier, or resnetSmall's stage widths ('32/64/128'). */
  width: string;
  /** Parameters with 1 input channel (28x28x1) and with 3 (32x32x3): only conv1 differs. */
  paramsGray: number;
  paramsRgb: number;
  featureDim: number;
  /** Forward FLOPs per image (2 x multiply-adds of convolutions). */
  flops28x28x1: number;
  flops32x32x3: number;
}

const FACTORIES: Record<string, (o: ResNetOptions) => ResNet> = { resnet18, resnet34, resnet50 };

function row(arch: string, width: string, build: (inChannels: number) => ResNet): ModelSizeRow {
  const gray = build(1);
  const rgb = build(3);
  return {
    arch,
    width,
    paramsGray: countParameters(gray),
    paramsRgb: countParameters(rgb),
    featureDim: rgb.featureDim,
    flops28x28x1: forwardFlops(gray, [1, 28, 28]),
    flops32x32x3: forwardFlops(rgb, [3, 32, 32]),
  };
}

/** One row per architecture and width, then the resnetSmall student and peer. */
export function modelSizes(widths: readonly number[] = [0.25, 0.5, 1]): ModelSizeRow[] {
  const rows: ModelSizeRow[] = [];
  for (const [arch, factory] of Object.entries(FACTORIES)) {
    for (const w of widths) rows.push(row(arch, String(w), (inChannels) => factory({ stem: 'cifar', inChannels, widthMultiplier: w })));
  }
  for (const stages of [[32, 64, 128], [64, 128, 256]]) {
    rows.push(row('resnetSmall', stages.join('/'), (inChannels) => resnetSmall({ stageChannels: stages, blocksPerStage: 2, inChannels })));
  }
  return rows;
}

function millions(n: number): string {
  return (n / 1e6).toFixed(2);
}

/** The rows as a Markdown table (parameters in millions, exact counts; FLOPs in millions). */
export function formatModelSizeTable(rows: readonly ModelSizeRow[] = modelSizes()): string {
  const lines = [
    '| encoder | width | features | params, 1 channel | params, 3 channels | MFLOPs 28x28x1 | MFLOPs 32x32x3 |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    lines.push(`| ${r.arch} | ${r.width} | ${r.featureDim} | ${r.paramsGray.toLocaleString('en-US')} | ${r.paramsRgb.toLocaleString('en-US')} | ${millions(r.flops28x28x1)} | ${millions(r.flops32x32x3)} |`);
  }
  return lines.join('\n');
}
