/**
 * Every primitive op on the WebGPU backend against the reference backend, fused and with fusePointwise
 * false. Pointwise cases come from the core's tables: each row on inputs drawn from its domain, every value
 * of a string attribute (gelu's approximate), a non-default value of each numeric attribute, alone, inside
 * a fused chain (recomputed from a broadcast operand) and, for binary ops, broadcast, with a scalar and
 * with itself. Every other op has its cases in CASES, typed over the op names, so a new op must appear here.
 */
import { describe, expect, test } from 'vitest';
import {
  BINARY_OP_NAMES, BINARY_TABLE, Graph, OPS, Rng, UNARY_OP_NAMES, UNARY_TABLE, numericAttrNames, ops, sampleDomain, unaryChoices, unaryDefaults,
  type Attrs, type BinaryOpName, type Domain, type Feed, type Node, type OpName, type PointwiseOpName, type UnaryAttrs, type UnaryOpName,
} from '@dogo/core';
import { getTestGpu } from '../test_device.js';
import { compareWithReference } from '../testing/parity.js';
import { WebGpuBackend } from './webgpu_backend.js';

const gpu = await getTestGpu();

/** One graph under construction: inputs and states with seeded values from a domain, names prefixed by the case. */
class Cases {
  readonly g = new Graph();
  readonly feeds: Record<string, Feed> = {};
  readonly initialState: Record<string, Float32Array> = {};
  readonly outputs: Record<string, Node> = {};
  private readonly rng = new Rng(2024);

  constructor(private prefix = '') {}

  /** The cases of `name` add their inputs and outputs under `name/`. */
  of(name: string): this {
    this.prefix = `${name}/`;
    return this;
  }

  values(n: number, d: Domain): Float32Array {
    return Float32Array.from({ length: n }, () => sampleDomain(d, () => this.rng.uniform()));
  }

  scalar(d: Domain): number {
    return Math.fround(sampleDomain(d, () => this.rng.uniform()));
  }

  input(name: string, shape: readonly number[], d: Domain = { lo: -2, hi: 2 }): Node {
    this.feeds[this.prefix + name] = this.values(shape.reduce((a, b) => a * b, 1), d);
    return this.g.input(this.prefix + name, shape);
  }

  state(name: string, shape: readonly number[], d: Domain = { lo: -2, hi: 2 }): Node {
    this.initialState[this.prefix + name] = this.values(shape.reduce((a, b) => a * b, 1), d);
    return this.g.state(this.prefix + name, shape);
  }

  add(outputs: Record<string, Node>): void {
    for (const [k, n] of Object.entries(outputs)) this.outputs[this.prefix + k] = n;
  }
}

/** Non-default values of the numeric attributes; every op with a numeric attribute needs one. */
const ATTR_VARIANTS: { readonly [K in UnaryOpName]?: readonly UnaryAttrs<K>[] } = {
  leaky_relu: [{ negative_slope: 0.2 }],
  elu: [{ alpha: 0.5 }],
};

/** Every attribute set a unary op is tested with: each value of its string attribute, then the numeric variants. */
function attrSets(op: UnaryOpName): { label: string; attrs: Attrs }[] {
  const defaults = unaryDefaults(op);
  const choiceKey = Object.entries(defaults).find(([, v]) => typeof v === 'string')?.[0];
  const sets = unaryChoices(op).map((c) => ({ label: c === undefined ? op : `${op}:${c}`, attrs: choiceKey && c !== undefined ? { ...defaults, [choiceKey]: c } : defaults }));
  const variants: readonly Attrs[] = ATTR_VARIANTS[op] ?? [];
  return [...sets, ...variants.map((v) => ({ label: `${op}(${Object.values(v).join(',')})`, attrs: { ...defaults, ...v } }))];
}

function addUnaryCases(t: Cases, op: UnaryOpName): void {
  const { domain } = UNARY_TABLE[op];
  for (const { label, attrs } of attrSets(op)) {
    t.of(label);
    const x = t.input('x', [3, 5], domain);
    // recomputed inside a group: op of a broadcast operand, scaled by a scalar, plus a full-size input
    const b = t.input('b', [5], domain);
    const chain = ops.add(ops.mul(ops.node(op, [ops.broadcastTo(b, [3, 5])], attrs), 1.5), t.input('r', [3, 5]));
    t.add({ y: ops.node(op, [x], attrs), chain });
  }
}

function addBinaryCases(t: Cases, op: BinaryOpName): void {
  const [da, db] = BINARY_TABLE[op].domain;
  t.of(op);
  const a = t.input('a', [2, 3, 4], da);
  const ca = t.input('ca', [2, 3, 4], da);
  const chain = ops.add(ops.mul(ops.node(op, [ca, t.input('cb', [4], db)]), t.input('r', [2, 3, 4])), 0.5);
  t.add({
    broadcast: ops.node(op, [a, t.input('b', [3, 1], db)]),
    reversed: ops.node(op, [t.input('c', [4], da), t.input('d', [2, 3, 4], db)]),
    same: ops.node(op, [a, t.input('a2', [2, 3, 4], db)]),
    scalar: ops.node(op, [a, t.g.fill(t.scalar(db), [])]),
    ties: ops.node(op, [a, a]),
    chain,
  });
}

type TableOp = Exclude<OpName, PointwiseOpName>;

/** The cases of every op that is not pointwise. Typed over the op names: a new op fails to compile here. */
const CASES: { readonly [K in TableOp]: (t: Cases) => void } = {
  input: (t) => t.add({ x: t.input('x', [2, 3]) }),
  state: (t) => {
    const s = t.state('s', [2, 3]);
    t.add({ s, used: ops.mul(s, t.state('s2', [3])) });
  },
  constant: (t) => {
    const c = t.g.constant([0.5, -1, 2, 0.25, 3, -0.75], [2, 3]);
    t.add({ c, used: ops.add(t.input('x', [2, 3]), c), one: ops.mul(t.input('y', [2, 3]), t.g.constant([0.3], [1])) });
  },
  fill: (t) => t.add({ f: t.g.fill(0.25, [4, 3]), used: ops.add(t.input('x', [4, 3]), t.g.fill(-1.5, [4, 3])), int: t.g.fill(7, [3], 'int32') }),
  reshape: (t) => {
    const x = t.input('x', [2, 3, 4]);
    const e = ops.exp(x);
    t.add({
      ofInput: ops.reshape(x, [6, 4]), ofComputed: ops.reshape(e, [24]), intoPointwise: ops.relu(ops.reshape(x, [4, 6])),
      intoKernel: ops.matmul(ops.reshape(e, [6, 4]), t.input('w', [4, 2])), identity: ops.transpose(ops.reshape(x, [24, 1]), [0, 1]),
    });
  },
  stop_gradient: (t) => {
    const x = t.input('x', [3, 4]);
    t.add({ ofInput: ops.stopGradient(x), intoPointwise: ops.mul(ops.stopGradient(ops.exp(x)), x) });
  },
  sum: (t) => {
    const x = t.input('x', [2, 3, 4, 5]);
    t.add({
      all: ops.sum(x), last: ops.sum(x, [3], true), bn: ops.sum(x, [0, 2, 3], true), none: ops.sum(x, []), long: ops.sum(ops.reshape(x, [120]), [0]),
      ofPointwise: ops.sum(ops.square(x), [1]),
    });
  },
  max: (t) => {
    const x = t.input('x', [2, 3, 4, 5]);
    t.add({ first: ops.max(x, [0]), mid: ops.max(x, [1, 2]), split: ops.max(x, [0, 2], true) });
  },
  moments: (t) => t.add({
    nchw: ops.moments(t.input('x', [3, 4, 2, 3]), [0, 2, 3]),
    nc: ops.moments(t.input('y', [5, 3]), [0]),
    last: ops.moments(t.input('z', [2, 3, 7]), [-1]),
    all: ops.moments(t.input('w', [3, 4]), [0, 1]),
    ofPointwise: ops.moments(ops.exp(t.input('v', [4, 3])), [0]),
  }),
  broadcast_to: (t) => {
    const y = t.input('y', [2, 1, 4]);
    t.add({ stored: ops.broadcastTo(y, [2, 3, 4]), ofPointwise: ops.broadcastTo(ops.exp(y), [3, 2, 2, 4]) });
  },
  transpose: (t) => t.add({ t: ops.transpose(t.input('x', [2, 3, 4]), [2, 0, 1]) }),
  slice: (t) => t.add({ s: ops.slice(t.input('x', [2, 3, 4]), [1, 1, 0], [1, 2, 3]) }),
  pad: (t) => t.add({ p: ops.pad(t.input('x', [2, 3, 4]), [0, 1, 2], [1, 0, 1]) }),
  concat: (t) => {
    const x = t.input('x', [2, 3, 4]);
    t.add({ c1: ops.concat([x, t.input('y', [2, 1, 4]), x], 1), c0: ops.concat([x, x], 0), last: ops.concat([x, x], -1) });
  },
  matmul: (t) => {
    const [a, b, at, bt] = [t.input('a', [5, 7]), t.input('b', [7, 3]), t.input('at', [7, 5]), t.input('bt', [3, 7])];
    t.add({
      nn: ops.matmul(a, b), tn: ops.matmul(at, b, { transposeA: true }), nt: ops.matmul(a, bt, { transposeB: true }),
      tt: ops.matmul(at, bt, { transposeA: true, transposeB: true }),
    });
  },
  conv2d: (t) => t.add({ y: ops.conv2d(t.input('x', [2, 3, 7, 7]), t.input('w', [4, 3, 3, 3]), { stride: [2, 2], padding: [1, 1] }) }),
  conv2d_backward_data: (t) => t.add({
    dx: ops.conv2dBackwardData(t.input('dy', [2, 4, 4, 4]), t.input('w', [4, 3, 3, 3]), { stride: [2, 2], padding: [1, 1] }, [2, 3, 7, 7]),
  }),
  conv2d_backward_weight: (t) => t.add({
    dw: ops.conv2dBackwardWeight(t.input('x', [2, 3, 7, 7]), t.input('dy', [2, 4, 4, 4]), { stride: [2, 2], padding: [1, 1] }, [4, 3, 3, 3]),
  }),
  max_pool2d: (t) => t.add({ y: ops.maxPool2d(t.input('x', [2, 3, 7, 7]), { kernel: [3, 3], stride: [2, 2] }) }),
  avg_pool2d: (t) => t.add({ y: ops.avgPool2d(t.input('x', [2, 3, 7, 7]), { kernel: [3, 3], stride: [2, 2], padding: [1, 1] }) }),
  max_pool2d_backward: (t) => t.add({
    dx: ops.node('max_pool2d_backward', [t.input('x', [2, 3, 7, 7]), t.input('dy', [2, 3, 3, 3])], { kernel: [3, 3], stride: [2, 2], padding: [0, 0] }),
  }),
  avg_pool2d_backward: (t) => t.add({
    dx: ops.node('avg_pool2d_backward', [t.input('dy', [2, 3, 4, 4])], { kernel: [3, 3], stride: [2, 2], padding: [1, 1], inputShape: [2, 3, 7, 7] }),
  }),
  one_hot: (t) => t.add({ y: ops.oneHot(t.g.constant([2, 0, 5, -1], [4], 'int32'), 3) }),
  cast: (t) => {
    const asInt = ops.cast(ops.mul(t.input('x', [4, 3]), 3), 'int32');
    t.add({ trunc: asInt, back: ops.cast(asInt, 'float32'), intT: ops.transpose(asInt, [1, 0]), same: ops.node('cast', [t.input('y', [2, 2])], { dtype: 'float32' }) });
  },
  resized_crop: (t) => {
    const x = t.input('x', [3, 2, 9, 11]);
    const boxes = t.g.constant([1, 2, 5, 7, 0, 0, 0, 9, 11, 1, 4, 6, 7, 8, 1], [3, 5]);
    t.add({ up: ops.resizedCrop(x, boxes, [8, 6]), down: ops.resizedCrop(x, boxes, [3, 4]) });
  },
};

/** Tolerance of an output (relative L2): accumulating kernels round more. */
const tolerance = (name: string) => (/^conv2d/.test(name) ? 1e-4 : 1e-5);

async function expectParity(t: Cases): Promise<void> {
  for (const fusePointwise of [true, false]) {
    const backend = new WebGpuBackend(gpu!.device, { fusePointwise });
    const r = await compareWithReference(backend, { outputs: t.outputs, initialState: t.initialState }, t.feeds);
    const bad = Object.entries(r.errors).filter(([name, e]) => !(e <= tolerance(name)));
    expect(bad, `fusePointwise ${fusePointwise}`).toEqual([]);
  }
}

const opsOf = (t: Cases) => new Set(t.g.nodes.map((n) => n.op));

describe.skipIf(!gpu)('every op on WebGPU against the reference backend (fused and with fusePointwise false)', () => {
  const seen = new Set<OpName>();

  test('every numeric attribute of a pointwise op has a non-default value to test', () => {
    for (const op of UNARY_OP_NAMES) if (numericAttrNames(op).length > 0) expect(ATTR_VARIANTS[op]?.length ?? 0, op).toBeGreaterThan(0);
  });

  test('unary pointwise ops from the table: alone, and recomputed in a chain from a broadcast operand', async () => {
    const t = new Cases();
    for (const op of UNARY_OP_NAMES) addUnaryCases(t, op);
    for (const op of opsOf(t)) seen.add(op);
    await expectParity(t);
  });

  test('binary pointwise ops from the table: broadcast both ways, same shape, scalar, ties, in a chain', async () => {
    const t = new Cases();
    for (const op of BINARY_OP_NAMES) addBinaryCases(t, op);
    for (const op of opsOf(t)) seen.add(op);
    await expectParity(t);
  });

  test('every other op (CASES), views and leaves included', async () => {
    const t = new Cases();
    for (const [op, build] of Object.entries(CASES)) build(t.of(op));
    for (const op of opsOf(t)) seen.add(op);
    await expectParity(t);
  });

  test('the cases cover every primitive op of the core registry', () => {
    expect((Object.keys(OPS) as OpName[]).filter((op) => !seen.has(op))).toEqual([]);
  });
});
