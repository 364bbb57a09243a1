/**
 * One gradcheck per differentiable primitive op of the registry (float64 reference backend against central
 * finite differences), plus the composites of composite/. CASES is typed over OpName: every op has cases or
 * says why it has none, and a guard holds that reason to the registry. Pointwise cases come from the tables
 * (each row's domain, each value of a string attribute).
 */
import { describe, expect, it } from 'vitest';
import {
  BINARY_OP_NAMES, BINARY_TABLE, OPS, UNARY_OP_NAMES, UNARY_TABLE, batchNorm, crossEntropy, dogoKl, globalAvgPool, gradcheck, l2Normalize, linear, logSoftmax,
  ntXent, ops, sampleDomain, softmax, unaryChoices, unaryDefaults, type Domain,
  type BinaryOpName, type GradcheckBuild, type GradcheckInput, type GradcheckOptions, type GradcheckResult, type OpName, type Rng, type UnaryOpName,
} from '../index.js';

interface Case {
  title: string;
  inputs: Record<string, GradcheckInput>;
  build: GradcheckBuild;
  options?: GradcheckOptions;
  /** Extra assertions on the result (e.g. inputs that must get an exactly zero gradient). */
  after?: (r: GradcheckResult) => void;
}

/** Values spaced 0.1 apart in shuffled order, so max has one clear winner per window whatever the eps. */
function distinct(n: number, seed: number): number[] {
  const v = Array.from({ length: n }, (_, i) => (i - n / 2) * 0.1);
  let s = seed >>> 0;
  for (let i = n - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [v[i], v[j]] = [v[j]!, v[i]!];
  }
  return v;
}
const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const zeros = (a: Float64Array) => a.every((v) => v === 0);

const fromDomain = (d: Domain) => (r: Rng) => sampleDomain(d, () => r.uniform());

const BROADCAST_PAIRS: [number[], number[]][] = [
  [[3, 4], [3, 4]],
  [[3, 4], [4]],
  [[3, 4], [3, 1]],
  [[3, 1], [1, 4]],
  [[4], [2, 3, 4]],
];

const matmulCase = (transposeA: boolean, transposeB: boolean): Case => ({
  title: `transposeA=${transposeA} transposeB=${transposeB}`,
  inputs: { a: { shape: transposeA ? [4, 3] : [3, 4] }, b: { shape: transposeB ? [2, 4] : [4, 2] } },
  build: ({ a, b }) => ops.matmul(a!, b!, { transposeA, transposeB }),
});

const convOutSize = (n: number, k: number, s: number, p: number) => Math.floor((n + 2 * p - k) / s) + 1;
const CONV_GEOMETRIES: { x: number[]; w: number[]; stride: number[]; padding: number[] }[] = [
  { x: [2, 2, 5, 5], w: [3, 2, 3, 3], stride: [1, 1], padding: [0, 0] },
  { x: [2, 2, 5, 5], w: [3, 2, 3, 3], stride: [2, 2], padding: [1, 1] },
  { x: [1, 2, 5, 6], w: [2, 2, 2, 3], stride: [2, 1], padding: [0, 1] },
  { x: [1, 3, 4, 4], w: [2, 3, 1, 1], stride: [1, 1], padding: [0, 0] },
];
const convOut = (c: (typeof CONV_GEOMETRIES)[number]) => [
  c.x[0]!, c.w[0]!, convOutSize(c.x[2]!, c.w[2]!, c.stride[0]!, c.padding[0]!), convOutSize(c.x[3]!, c.w[3]!, c.stride[1]!, c.padding[1]!),
];
const convTitle = (c: (typeof CONV_GEOMETRIES)[number]) => `x [${c.x}] w [${c.w}] stride [${c.stride}] padding [${c.padding}]`;

const POOL_GEOMETRIES: { x: number[]; kernel: number[]; stride: number[]; padding: number[] }[] = [
  { x: [2, 2, 4, 4], kernel: [2, 2], stride: [2, 2], padding: [0, 0] },
  { x: [1, 2, 5, 5], kernel: [3, 3], stride: [2, 2], padding: [1, 1] },
  { x: [1, 1, 4, 5], kernel: [3, 2], stride: [1, 1], padding: [0, 1] },
];
const poolOut = (p: (typeof POOL_GEOMETRIES)[number]) => [
  p.x[0]!, p.x[1]!, convOutSize(p.x[2]!, p.kernel[0]!, p.stride[0]!, p.padding[0]!), convOutSize(p.x[3]!, p.kernel[1]!, p.stride[1]!, p.padding[1]!),
];
const poolTitle = (p: (typeof POOL_GEOMETRIES)[number]) => `x [${p.x}] kernel [${p.kernel}] stride [${p.stride}] padding [${p.padding}]`;

/** Why an op has no gradcheck case. */
type NoCase = 'leaf' | 'zero gradient' | 'no gradient rule';

/** Unary ops with a rule, on [3,4] drawn from the row's domain. */
const unaryCases = Object.fromEntries(UNARY_OP_NAMES.map((op): [UnaryOpName, Case[] | NoCase] => {
  const { grad, domain } = UNARY_TABLE[op];
  const choice = Object.entries(unaryDefaults(op)).find(([, v]) => typeof v === 'string')?.[0];
  return [op, grad
    ? unaryChoices(op).map((c): Case => {
        const attrs = choice && c !== undefined ? { ...unaryDefaults(op), [choice]: c } : unaryDefaults(op);
        return { title: `[3,4]${c === undefined ? '' : ` ${c}`}`, inputs: { x: { shape: [3, 4], sample: fromDomain(domain) } }, build: ({ x }) => ops.node(op, [x!], attrs) };
      })
    : 'zero gradient'];
})) as Record<UnaryOpName, Case[] | NoCase>;

/** Binary ops with a rule, over broadcast pairs drawn from the row's domains. */
const binaryCases = Object.fromEntries(BINARY_OP_NAMES.map((op): [BinaryOpName, Case[] | NoCase] => {
  const { grad, domain } = BINARY_TABLE[op];
  return [op, grad
    ? BROADCAST_PAIRS.map(([as, bs]): Case => ({
        title: `[${as}] with [${bs}]`,
        inputs: { a: { shape: as, sample: fromDomain(domain[0]) }, b: { shape: bs, sample: fromDomain(domain[1]) } },
        build: ({ a, b }) => ops.node(op, [a!, b!]),
      }))
    : 'zero gradient'];
})) as Record<BinaryOpName, Case[] | NoCase>;

/** Every primitive op: its cases, or why it has none. Typed over OpName, so a new op must appear here. */
const CASES: { readonly [K in OpName]: Case[] | NoCase } = {
  input: 'leaf', state: 'leaf', constant: 'leaf', fill: 'leaf',
  ...unaryCases,
  ...binaryCases,
  one_hot: 'zero gradient', cast: 'zero gradient', resized_crop: 'zero gradient',
  max_pool2d_backward: 'no gradient rule',
  sum: [
    { title: 'axis 1', inputs: { x: { shape: [2, 3, 4] } }, build: ({ x }) => ops.sum(x!, [1]) },
    { title: 'axes 0,2 keepdims', inputs: { x: { shape: [2, 3, 4] } }, build: ({ x }) => ops.sum(x!, [0, 2], true) },
    { title: 'all axes', inputs: { x: { shape: [2, 3, 4] } }, build: ({ x }) => ops.sum(x!) },
    { title: 'axis -1 keepdims', inputs: { x: { shape: [2, 3, 4] } }, build: ({ x }) => ops.sum(x!, [-1], true) },
  ],
  moments: [
    { title: 'NCHW over 0,2,3', inputs: { x: { shape: [2, 3, 2, 2] } }, build: ({ x }) => ops.moments(x!, [0, 2, 3]) },
    { title: '[4,3] over 0', inputs: { x: { shape: [4, 3] } }, build: ({ x }) => ops.moments(x!, [0]) },
    { title: '[2,3,4] over the last axis', inputs: { x: { shape: [2, 3, 4] } }, build: ({ x }) => ops.moments(x!, [-1]) },
    { title: 'all axes', inputs: { x: { shape: [3, 4] } }, build: ({ x }) => ops.moments(x!, [0, 1]) },
  ],
  max: [
    { title: 'axis 1', inputs: { x: { shape: [2, 3, 4], data: distinct(24, 1) } }, build: ({ x }) => ops.max(x!, [1]) },
    { title: 'axes 0,2 keepdims', inputs: { x: { shape: [2, 3, 4], data: distinct(24, 2) } }, build: ({ x }) => ops.max(x!, [0, 2], true) },
    { title: 'all axes', inputs: { x: { shape: [2, 3, 4], data: distinct(24, 3) } }, build: ({ x }) => ops.max(x!) },
    { title: 'axis -1 keepdims', inputs: { x: { shape: [2, 3, 4], data: distinct(24, 4) } }, build: ({ x }) => ops.max(x!, [-1], true) },
  ],
  reshape: [
    { title: '[2,3,4] to [6,4]', inputs: { x: { shape: [2, 3, 4] } }, build: ({ x }) => ops.reshape(x!, [6, 4]) },
    { title: '[2,3,4] to [24] to [4,1,6]', inputs: { x: { shape: [2, 3, 4] } }, build: ({ x }) => ops.reshape(ops.reshape(x!, [24]), [4, 1, 6]) },
  ],
  transpose: [
    { title: '[2,3,4] perm [2,0,1]', inputs: { x: { shape: [2, 3, 4] } }, build: ({ x }) => ops.transpose(x!, [2, 0, 1]) },
    { title: '[3,4] reversed', inputs: { x: { shape: [3, 4] } }, build: ({ x }) => ops.transpose(x!) },
  ],
  broadcast_to: [
    { title: '[3,1] to [2,3,4]', inputs: { x: { shape: [3, 1] } }, build: ({ x }) => ops.broadcastTo(x!, [2, 3, 4]) },
    { title: '[4] to [3,4]', inputs: { x: { shape: [4] } }, build: ({ x }) => ops.broadcastTo(x!, [3, 4]) },
    { title: '[1,3,1] to [2,3,2]', inputs: { x: { shape: [1, 3, 1] } }, build: ({ x }) => ops.broadcastTo(x!, [2, 3, 2]) },
  ],
  concat: [
    { title: 'axis 0', inputs: { a: { shape: [2, 3] }, b: { shape: [1, 3] } }, build: ({ a, b }) => ops.concat([a!, b!], 0) },
    { title: 'axis 1, three inputs', inputs: { a: { shape: [2, 1] }, b: { shape: [2, 3] }, c: { shape: [2, 2] } }, build: ({ a, b, c }) => ops.concat([a!, b!, c!], 1) },
    { title: 'axis -1, one input twice', inputs: { a: { shape: [2, 2] } }, build: ({ a }) => ops.concat([a!, ops.square(a!)], -1) },
  ],
  slice: [
    { title: '[4,5] begin [1,2] size [2,3]', inputs: { x: { shape: [4, 5] } }, build: ({ x }) => ops.slice(x!, [1, 2], [2, 3]) },
    { title: '[2,3,4] begin [0,1,0] size [2,1,4]', inputs: { x: { shape: [2, 3, 4] } }, build: ({ x }) => ops.slice(x!, [0, 1, 0], [2, 1, 4]) },
  ],
  pad: [
    { title: '[2,3] before [1,0] after [2,1]', inputs: { x: { shape: [2, 3] } }, build: ({ x }) => ops.pad(x!, [1, 0], [2, 1]) },
    { title: '[1,2,2,2] spatial', inputs: { x: { shape: [1, 2, 2, 2] } }, build: ({ x }) => ops.pad(x!, [0, 0, 1, 1], [0, 0, 1, 0]) },
  ],
  matmul: [matmulCase(false, false), matmulCase(false, true), matmulCase(true, false), matmulCase(true, true)],
  conv2d: [
    ...CONV_GEOMETRIES.map((c): Case => ({
      title: convTitle(c),
      inputs: { x: { shape: c.x }, w: { shape: c.w } },
      build: ({ x, w }) => ops.conv2d(x!, w!, { stride: c.stride, padding: c.padding }),
    })),
    {
      title: 'with bias (composite)',
      inputs: { x: { shape: [1, 2, 4, 4] }, w: { shape: [3, 2, 3, 3] }, bias: { shape: [3] } },
      build: ({ x, w, bias }) => ops.conv2d(x!, w!, { padding: [1, 1] }, bias),
    },
  ],
  conv2d_backward_data: CONV_GEOMETRIES.map((c) => ({
    title: convTitle(c),
    inputs: { dy: { shape: convOut(c) }, w: { shape: c.w } },
    build: ({ dy, w }) => ops.conv2dBackwardData(dy!, w!, { stride: c.stride, padding: c.padding }, c.x),
  })),
  conv2d_backward_weight: CONV_GEOMETRIES.map((c) => ({
    title: convTitle(c),
    inputs: { x: { shape: c.x }, dy: { shape: convOut(c) } },
    build: ({ x, dy }) => ops.conv2dBackwardWeight(x!, dy!, { stride: c.stride, padding: c.padding }, c.w),
  })),
  max_pool2d: POOL_GEOMETRIES.map((p, i) => ({
    title: poolTitle(p),
    inputs: { x: { shape: p.x, data: distinct(sizeOf(p.x), 10 + i) } },
    build: ({ x }) => ops.maxPool2d(x!, { kernel: p.kernel, stride: p.stride, padding: p.padding }),
  })),
  avg_pool2d: POOL_GEOMETRIES.map((p) => ({
    title: poolTitle(p),
    inputs: { x: { shape: p.x } },
    build: ({ x }) => ops.avgPool2d(x!, { kernel: p.kernel, stride: p.stride, padding: p.padding }),
  })),
  avg_pool2d_backward: POOL_GEOMETRIES.map((p) => ({
    title: poolTitle(p),
    inputs: { dy: { shape: poolOut(p) } },
    build: ({ dy }) => ops.node('avg_pool2d_backward', [dy!], { kernel: [...p.kernel], stride: [...p.stride], padding: [...p.padding], inputShape: [...p.x] }),
  })),
  // Its rule passes no gradient: x gets the ordinary product rule, y (behind stop_gradient) exactly zero.
  stop_gradient: [
    {
      title: 'x * stop_gradient(y): y gets zero',
      inputs: { x: { shape: [3, 4] }, y: { shape: [3, 4], check: false } },
      build: ({ x, y }) => ops.mul(x!, ops.stopGradient(ops.exp(y!))),
      after: (r) => expect(zeros(r.grads['y']!)).toBe(true),
    },
  ],
};

async function expectGradcheck(c: Case): Promise<void> {
  const r = await gradcheck(c.build, c.inputs, c.options);
  expect(r.ok, r.report).toBe(true);
  c.after?.(r);
}

describe('gradcheck: primitive ops', () => {
  for (const [op, cases] of Object.entries(CASES)) {
    if (typeof cases === 'string') continue;
    describe(op, () => {
      for (const c of cases) it(c.title, () => expectGradcheck(c));
    });
  }

  it('says truly why an op has no case: the registry agrees', () => {
    for (const op of Object.keys(OPS) as OpName[]) {
      const def = OPS[op], entry = CASES[op];
      const actual: NoCase | 'rule' = def.leaf ? 'leaf' : def.grad ? 'rule' : def.zeroGradient ? 'zero gradient' : 'no gradient rule';
      expect(typeof entry === 'string' ? entry : 'rule', op).toBe(actual);
    }
  });
});

/** Composite functions: no gradient code of their own, so these check the primitives' rules compose. */
const COMPOSITES: Record<string, Case[]> = {
  linear: [
    { title: 'with bias', inputs: { x: { shape: [3, 4] }, w: { shape: [2, 4] }, b: { shape: [2] } }, build: ({ x, w, b }) => linear(x!, w!, b) },
    { title: 'no bias', inputs: { x: { shape: [3, 4] }, w: { shape: [2, 4] } }, build: ({ x, w }) => linear(x!, w!) },
  ],
  softmax: [
    { title: 'last axis', inputs: { x: { shape: [3, 5], range: [-3, 3] } }, build: ({ x }) => softmax(x!) },
    { title: 'axis 0', inputs: { x: { shape: [3, 5], range: [-3, 3] } }, build: ({ x }) => softmax(x!, 0) },
  ],
  log_softmax: [
    { title: 'last axis', inputs: { x: { shape: [3, 5], range: [-3, 3] } }, build: ({ x }) => logSoftmax(x!) },
    { title: 'axis 1 of [2,3,2]', inputs: { x: { shape: [2, 3, 2], range: [-3, 3] } }, build: ({ x }) => logSoftmax(x!, 1) },
  ],
  l2_normalize: [{ title: 'rows of [3,4]', inputs: { x: { shape: [3, 4] } }, build: ({ x }) => l2Normalize(x!) }],
  cross_entropy: [
    {
      title: '[4,3] logits',
      inputs: { logits: { shape: [4, 3], range: [-2, 2] }, labels: { shape: [4], dtype: 'int32', data: [0, 2, 1, 2] } },
      build: ({ logits, labels }) => crossEntropy(logits!, labels!),
    },
  ],
  batch_norm: [
    {
      title: 'train [4,3]',
      inputs: { x: { shape: [4, 3] }, gamma: { shape: [3], range: [0.5, 1.5] }, beta: { shape: [3] }, rm: { shape: [3] }, rv: { shape: [3], range: [0.5, 1.5] } },
      build: ({ x, gamma, beta, rm, rv }) => batchNorm(x!, gamma!, beta!, rm!, rv!, { training: true }).y,
      // The running statistics do not enter y in training mode.
      after: (r) => expect(zeros(r.grads['rm']!) && zeros(r.grads['rv']!)).toBe(true),
    },
    {
      title: 'train [2,3,2,2]',
      inputs: { x: { shape: [2, 3, 2, 2] }, gamma: { shape: [3], range: [0.5, 1.5] }, beta: { shape: [3] }, rm: { shape: [3], check: false }, rv: { shape: [3], range: [0.5, 1.5], check: false } },
      build: ({ x, gamma, beta, rm, rv }) => batchNorm(x!, gamma!, beta!, rm!, rv!, { training: true, eps: 1e-3 }).y,
    },
    {
      title: 'eval [2,3,2,2]',
      inputs: { x: { shape: [2, 3, 2, 2] }, gamma: { shape: [3], range: [0.5, 1.5] }, beta: { shape: [3] }, rm: { shape: [3] }, rv: { shape: [3], range: [0.5, 1.5] } },
      build: ({ x, gamma, beta, rm, rv }) => batchNorm(x!, gamma!, beta!, rm!, rv!, { training: false }).y,
    },
  ],
  nt_xent: [
    { title: 'N=3 D=4 t=0.5', inputs: { za: { shape: [3, 4] }, zb: { shape: [3, 4] } }, build: ({ za, zb }) => ntXent(za!, zb!, 0.5) },
    { title: 'N=2 D=3 t=0.2', inputs: { za: { shape: [2, 3] }, zb: { shape: [2, 3] } }, build: ({ za, zb }) => ntXent(za!, zb!, 0.2) },
  ],
  dogo_kl: (['mean', 'batchmean'] as const).map((reduction) => ({
    title: `${reduction}: peer views get zero gradient`,
    inputs: { za: { shape: [3, 4] }, zb: { shape: [3, 4] }, pa: { shape: [3, 4], check: false }, pb: { shape: [3, 4], check: false } },
    build: ({ za, zb, pa, pb }) => dogoKl(za!, zb!, pa!, pb!, 0.5, reduction),
    after: (r) => {
      expect(zeros(r.grads['pa']!), 'grad of pa').toBe(true);
      expect(zeros(r.grads['pb']!), 'grad of pb').toBe(true);
    },
  })),
  global_avg_pool: [{ title: '[2,3,2,3]', inputs: { x: { shape: [2, 3, 2, 3] } }, build: ({ x }) => globalAvgPool(x!) }],
};

describe('gradcheck: composites', () => {
  for (const [name, cases] of Object.entries(COMPOSITES)) {
    describe(name, () => {
      for (const c of cases) it(c.title, () => expectGradcheck(c));
    });
  }
});
