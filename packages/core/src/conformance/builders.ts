/**
 * How each conformance op name becomes a graph: a table from the vector files' op names to builders over
 * the core's ops and composites, and every pointwise op of the tables built the same way (input `x`, or `a`
 * and `b`, output `y`, attributes as in the vector). An op name missing here counts as a failed case.
 */
import { ops } from '../graph/builder.js';
import type { Node } from '../graph/node.js';
import { batchNorm, crossEntropy, globalAvgPool, l2Normalize, linear, logSoftmax, softmax } from '../composite/nn.js';
import { dogoKl, ntXent, type KlReduction } from '../composite/losses.js';
import { adam, lars, sgdMomentum } from '../composite/optim.js';
import { simsiamLoss } from '../composite/simsiam.js';
import { UNARY_OP_NAMES } from '../ops/pointwise/unary.js';
import { unaryDefaults } from '../ops/pointwise/pointwise.js';
import { BINARY_OP_NAMES } from '../ops/pointwise/binary.js';
import type { Attrs } from '../ops/op_def.js';
import { gradCacheDogoCase } from './gradcache_case.js';

export type CaseInputs = Record<string, Node>;
export type CaseBuilder = (x: CaseInputs, attrs: Record<string, unknown>) => Record<string, Node>;

const num = (a: Record<string, unknown>, k: string, d?: number): number => {
  const v = a[k] ?? d;
  if (typeof v !== 'number') throw new TypeError(`attribute "${k}" must be a number`);
  return v;
};
const pair = (a: Record<string, unknown>, k: string, d: number[]): number[] => (Array.isArray(a[k]) ? (a[k] as number[]) : d);

/** Unary pointwise ops: y = op(x) with the vector's attributes over the row's defaults. */
const unaryCases = Object.fromEntries(UNARY_OP_NAMES.map((op): [string, CaseBuilder] => {
  const defaults = unaryDefaults(op);
  return [op, (x, a) => {
    const attrs = Object.fromEntries(Object.keys(defaults).map((k) => [k, a[k] ?? defaults[k]])) as Attrs;
    return { y: ops.node(op, [x['x']!], attrs) };
  }];
}));

/** Binary pointwise ops: y = op(a, b) with broadcasting. */
const binaryCases = Object.fromEntries(BINARY_OP_NAMES.map((op): [string, CaseBuilder] => [op, (x) => ({ y: ops.node(op, [x['a']!, x['b']!]) })]));

export const CASE_BUILDERS: Record<string, CaseBuilder> = {
  ...unaryCases,
  ...binaryCases,
  matmul: (x, a) => ({ y: ops.matmul(x['a']!, x['b']!, { transposeA: Boolean(a['transposeA']), transposeB: Boolean(a['transposeB']) }) }),
  linear: (x) => ({ y: linear(x['x']!, x['weight']!, x['bias']) }),
  conv2d: (x, a) => ({ y: ops.conv2d(x['x']!, x['weight']!, { stride: pair(a, 'stride', [1, 1]), padding: pair(a, 'padding', [0, 0]) }, x['bias']) }),
  batch_norm: (x, a) => {
    const r = batchNorm(x['x']!, x['gamma']!, x['beta']!, x['running_mean']!, x['running_var']!, {
      training: Boolean(a['training']), momentum: num(a, 'momentum', 0.1), eps: num(a, 'eps', 1e-5),
    });
    const out: Record<string, Node> = { y: r.y };
    if (a['training']) Object.assign(out, { running_mean: r.runningMean, running_var: r.runningVar });
    return out;
  },
  max_pool2d: (x, a) => ({ y: ops.maxPool2d(x['x']!, { kernel: pair(a, 'kernel', [2, 2]), stride: pair(a, 'stride', pair(a, 'kernel', [2, 2])), padding: pair(a, 'padding', [0, 0]) }) }),
  avg_pool2d: (x, a) => ({ y: ops.avgPool2d(x['x']!, { kernel: pair(a, 'kernel', [2, 2]), stride: pair(a, 'stride', pair(a, 'kernel', [2, 2])), padding: pair(a, 'padding', [0, 0]) }) }),
  global_avg_pool: (x) => ({ y: globalAvgPool(x['x']!) }),
  l2_normalize: (x, a) => ({ y: l2Normalize(x['x']!, num(a, 'eps', 1e-12)) }),
  softmax: (x) => ({ y: softmax(x['x']!) }),
  log_softmax: (x) => ({ y: logSoftmax(x['x']!) }),
  cross_entropy: (x) => ({ loss: crossEntropy(x['logits']!, x['labels']!) }),
  nt_xent: (x, a) => ({ loss: ntXent(x['za']!, x['zb']!, num(a, 'temperature', 0.5)) }),
  dogo_kl: (x, a) => ({ loss: dogoKl(x['za']!, x['zb']!, x['pa']!, x['pb']!, num(a, 'temperature', 0.1), (a['reduction'] as KlReduction) ?? 'mean') }),
  simsiam: (x, a) => ({ loss: simsiamLoss(x['p1']!, x['p2']!, x['z1']!, x['z2']!, num(a, 'eps', 1e-8)) }),
  sgd_momentum: (x, a) => {
    const r = sgdMomentum(x['param']!, x['grad']!, x['momentum_buffer']!, { lr: num(a, 'lr'), momentum: num(a, 'momentum'), weightDecay: num(a, 'weight_decay', 0), nesterov: Boolean(a['nesterov']) });
    return { param: r.param, momentum_buffer: r.buf };
  },
  adamw: (x, a) => {
    const r = adam(x['param']!, x['grad']!, x['exp_avg']!, x['exp_avg_sq']!, {
      lr: num(a, 'lr'), beta1: num(a, 'beta1', 0.9), beta2: num(a, 'beta2', 0.999), eps: num(a, 'eps', 1e-8), weightDecay: num(a, 'weight_decay', 0.01), step: num(a, 'step'), decoupled: true,
    });
    return { param: r.param, exp_avg: r.m, exp_avg_sq: r.v };
  },
  lars: (x, a) => {
    const r = lars(x['param']!, x['grad']!, x['momentum_buffer']!, { lr: num(a, 'lr'), momentum: num(a, 'momentum'), weightDecay: num(a, 'weight_decay'), eta: num(a, 'eta') });
    return { param: r.param, momentum_buffer: r.buf };
  },
  gradcache_dogo: (x, a) => gradCacheDogoCase(x, a),
  resized_crop: (x, a) => {
    const img = x['x']!;
    const n = img.shape[0]!;
    const box = [num(a, 'top'), num(a, 'left'), num(a, 'height'), num(a, 'width'), a['flip'] ? 1 : 0];
    const boxes = img.graph.constant(Array.from({ length: n }, () => box).flat(), [n, 5]);
    return { y: ops.resizedCrop(img, boxes, pair(a, 'size', [img.shape[2]!, img.shape[3]!])) };
  },
};
