/**
 * Every primitive op on the wasm backend against the reference backend, on random data, with layouts that
 * exercise each path: broadcasting of every kind (per channel, per sample, scalars, rank 5), reductions over
 * non-contiguous axes with and without kept dims, int32 values through layout ops, one_hot and cast.
 * The case table is typed over OpName, so a new op without a case fails to compile; pointwise cases come
 * from the core's tables (each row's domain, every value of a string attribute, a non-default numeric one).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BINARY_OP_NAMES, BINARY_TABLE, Graph, UNARY_OP_NAMES, UNARY_TABLE, ops, ReferenceBackend, sampleDomain, unaryChoices, unaryDefaults,
  type BinaryOpName, type Domain, type HostTensor, type Node, type OpName, type UnaryOpName,
} from '@dogo/core';
import { WasmRuntime } from '../runtime/wasm_runtime.js';
import { WasmBackend } from './wasm_backend.js';
import { testWorkerHost } from './test_worker_host.js';

type Case = (g: Graph, f: (name: string, shape: number[], domain?: Domain) => Node) => Record<string, Node>;

function rand(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s / 2 ** 32;
  };
}

/** A unary op on [2,3,5,7] and broadcast from [1,3,1,1], for each value of its string attribute and, for a numeric one, a non-default value. */
const un = (op: UnaryOpName): Case => (g, f) => {
  const { domain } = UNARY_TABLE[op];
  const defaults = unaryDefaults(op);
  const variants = unaryChoices(op).map((c) => {
    const attrs = { ...defaults };
    for (const [k, v] of Object.entries(defaults)) {
      if (typeof v === 'string' && c !== undefined) attrs[k] = c;
      if (typeof v === 'number') attrs[k] = v * 3 + 0.05;
    }
    return attrs;
  });
  const x = f('x', [2, 3, 5, 7], domain), s = f('s', [1, 3, 1, 1], domain);
  const out: Record<string, Node> = { y: g.node(op, [x], defaults), bc: g.node(op, [s], defaults) };
  variants.forEach((attrs, k) => (out[`v${k}`] = g.node(op, [x], attrs)));
  return out;
};
// same shape, per channel, per sample, scalar on either side, rank 5 with interleaved broadcast
const bin = (op: BinaryOpName): Case => (g, f) => {
  const [da, db] = BINARY_TABLE[op].domain;
  const a = f('a', [2, 3, 5, 6], da), b = f('b', [2, 3, 5, 6], db);
  const c = f('c', [1, 3, 1, 1], db), n = f('n', [2, 1, 1, 1], da), s = f('s', [], db);
  const p = f('p', [2, 1, 4, 1, 3], da), q = f('q', [1, 5, 1, 2, 3], db);
  return {
    same: g.node(op, [a, b]), perChannel: g.node(op, [a, c]), perSample: g.node(op, [n, b]), scalar: g.node(op, [s, a]),
    rank5: g.node(op, [p, q]), rows: g.node(op, [f('r', [4, 1], da), f('t', [1, 9], db)]),
  };
};

const CASES: Record<OpName, Case> = {
  input: (_g, f) => ({ y: f('x', [3, 4]) }),
  state: (g) => ({ y: ops.add(g.state('w', [3]), 1) }),
  constant: (g) => ({ y: ops.mul(g.constant([1, 2, 3, 4, 5, 6], [2, 3]), 2), i: g.constant([1, -2, 3], [3], 'int32') }),
  fill: (g) => ({ y: ops.add(g.fill(2.5, [2, 3]), 0), i: g.fill(7, [4], 'int32') }),
  ...(Object.fromEntries(UNARY_OP_NAMES.map((op) => [op, un(op)])) as Record<UnaryOpName, Case>),
  ...(Object.fromEntries(BINARY_OP_NAMES.map((op) => [op, bin(op)])) as Record<BinaryOpName, Case>),
  // random operands are never equal: compare a tensor with itself too
  equal: (_g, f) => {
    const a = f('a', [4, 6]);
    return { y: ops.equal(a, ops.stopGradient(a)), z: ops.equal(a, f('b', [1, 6])) };
  },
  sum: (_g, f) => {
    const x = f('x', [3, 4, 5, 6]);
    return {
      all: ops.sum(x), a0: ops.sum(x, [0], true), a1: ops.sum(x, [1]), a3: ops.sum(x, [3], true), a02: ops.sum(x, [0, 2]),
      a13: ops.sum(x, [1, 3], true), a023: ops.sum(x, [0, 2, 3], true), a12: ops.sum(ops.mul(x, x), [1, 2]),
      r5: ops.sum(f('p', [2, 3, 2, 4, 5]), [0, 2, 4]),
    };
  },
  moments: (_g, f) => ({
    nchw: ops.moments(f('x', [3, 5, 4, 6]), [0, 2, 3]), rows: ops.moments(f('r', [7, 10], { lo: -3, hi: 5 }), [0]), last: ops.moments(f('l', [2, 3, 9]), [-1]),
    all: ops.moments(f('a', [4, 6]), [0, 1]), lead: ops.moments(f('p', [2, 3, 4, 5]), [0, 1]),
  }),
  max: (_g, f) => {
    const x = f('x', [3, 4, 5, 6]);
    return { all: ops.max(x), a1: ops.max(x, [1], true), a3: ops.max(x, [-1]), a02: ops.max(ops.exp(x), [0, 2], true) };
  },
  reshape: (_g, f) => ({ y: ops.reshape(f('x', [2, 3, 4]), [6, 4]), z: ops.mul(ops.reshape(ops.add(f('a', [4, 6]), 1), [2, 12]), 2) }),
  transpose: (g, f) => ({
    y: ops.transpose(f('x', [2, 3, 4]), [2, 0, 1]), z: ops.transpose(f('a', [2, 3, 2, 2, 3]), [4, 2, 0, 3, 1]),
    i: ops.transpose(g.constant([1, 2, 3, 4, 5, 6], [2, 3], 'int32'), [1, 0]),
  }),
  broadcast_to: (_g, f) => {
    const x = f('x', [3, 1, 4]);
    return { y: ops.broadcastTo(x, [2, 3, 5, 4]), z: ops.mul(ops.broadcastTo(x, [2, 3, 5, 4]), f('a', [2, 3, 5, 4])) };
  },
  concat: (g, f) => ({
    y: ops.concat([f('a', [2, 3, 4]), f('b', [2, 1, 4]), f('c', [2, 2, 4])], 1), z: ops.concat([f('p', [3, 2]), f('q', [1, 2])], 0),
    i: ops.concat([g.constant([1, 2], [1, 2], 'int32'), g.constant([3, 4, 5, 6], [2, 2], 'int32')], 0),
  }),
  slice: (_g, f) => ({ y: ops.slice(f('x', [4, 5, 6]), [1, 2, 3], [2, 3, 2]), z: ops.slice(f('a', [8, 3]), [4, 0], [4, 3]) }),
  pad: (_g, f) => ({ y: ops.pad(f('x', [2, 3, 4]), [0, 1, 2], [1, 0, 3]) }),
  matmul: (_g, f) => ({
    nn: ops.matmul(f('a', [5, 7]), f('b', [7, 9])), nt: ops.matmul(f('c', [5, 7]), f('d', [9, 7]), { transposeB: true }),
    tn: ops.matmul(f('e', [7, 5]), f('h', [7, 9]), { transposeA: true }), tt: ops.matmul(f('i', [7, 5]), f('j', [9, 7]), { transposeA: true, transposeB: true }),
  }),
  conv2d: (_g, f) => ({
    y: ops.conv2d(f('x', [2, 3, 9, 8]), f('w', [4, 3, 3, 3]), { stride: [2, 1], padding: [1, 0] }),
    z: ops.conv2d(f('a', [3, 5, 6, 6]), f('b', [2, 5, 1, 1])),
  }),
  conv2d_backward_data: (_g, f) => ({ y: ops.conv2dBackwardData(f('dy', [2, 4, 5, 6]), f('w', [4, 3, 3, 3]), { stride: [2, 1], padding: [1, 0] }, [2, 3, 9, 8]) }),
  conv2d_backward_weight: (_g, f) => ({ y: ops.conv2dBackwardWeight(f('x', [2, 3, 9, 8]), f('dy', [2, 4, 5, 6]), { stride: [2, 1], padding: [1, 0] }, [4, 3, 3, 3]) }),
  max_pool2d: (_g, f) => ({ y: ops.maxPool2d(f('x', [2, 3, 9, 8]), { kernel: [3, 3], stride: [2, 2], padding: [1, 1] }) }),
  max_pool2d_backward: (g, f) => ({ y: g.node('max_pool2d_backward', [f('x', [2, 3, 9, 8]), f('dy', [2, 3, 5, 4])], { kernel: [3, 3], stride: [2, 2], padding: [1, 1] }) }),
  avg_pool2d: (_g, f) => ({ y: ops.avgPool2d(f('x', [2, 3, 9, 8]), { kernel: [3, 2], stride: [2, 2], padding: [1, 1] }) }),
  avg_pool2d_backward: (g, f) => ({ y: g.node('avg_pool2d_backward', [f('dy', [2, 3, 5, 5])], { kernel: [3, 2], stride: [2, 2], padding: [1, 1], inputShape: [2, 3, 9, 8] }) }),
  stop_gradient: (_g, f) => ({ y: ops.stopGradient(f('x', [3, 4])), z: ops.add(ops.stopGradient(ops.mul(f('a', [3, 4]), 2)), 1) }),
  one_hot: (g) => ({ y: ops.oneHot(g.input('labels', [6], 'int32'), 4) }),
  cast: (g, f) => {
    const i = ops.cast(ops.mul(f('x', [3, 5], { lo: -9, hi: 9 }), 1), 'int32');
    return { i, back: ops.cast(i, 'float32'), id: ops.cast(g.input('labels', [6], 'int32'), 'float32') };
  },
  resized_crop: (g, f) => {
    const boxes = g.constant([0, 0, 9, 8, 0, 2, 1, 5, 6, 1, -2, 3, 12, 4, 0], [3, 5]);
    return { y: ops.resizedCrop(f('x', [3, 2, 9, 8], { lo: 0, hi: 255 }), boxes, [7, 5]) };
  },
};

function relErr(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let num = 0, den = 0;
  for (let i = 0; i < want.length; i++) {
    if (Number.isNaN(want[i]!) !== Number.isNaN(got[i]!)) return Infinity;
    if (Number.isNaN(want[i]!)) continue;
    num += (got[i]! - want[i]!) ** 2;
    den += want[i]! ** 2;
  }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-12);
}

async function compare(rt: WasmRuntime, op: OpName, fuse: boolean): Promise<void> {
  const g = new Graph();
  const r = rand(op.length * 7919 + 1);
  const feeds: Record<string, HostTensor> = {};
  const f = (name: string, shape: number[], d: Domain = { lo: -3, hi: 3 }) => {
    const x = g.input(name, shape);
    feeds[name] = { shape, dtype: 'float32', data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => sampleDomain(d, r)) };
    return x;
  };
  const outputs = CASES[op](g, f);
  if (g.inputs.has('labels')) feeds['labels'] = { shape: [6], dtype: 'int32', data: Int32Array.from([0, 3, -1, 2, 4, 1]) };
  const initialState = g.states.has('w') ? { w: Float32Array.from([1, -2, 3]) } : undefined;
  const ref = await (await new ReferenceBackend().compile({ outputs, initialState })).run(feeds);
  const exe = await new WasmBackend(rt, { fuse }).compile({ outputs, initialState });
  const got = await exe.run(feeds);
  exe.destroy();
  for (const [k, want] of Object.entries(ref)) {
    expect(got[k]!.shape, `${op}.${k} shape`).toEqual(want.shape);
    expect(got[k]!.dtype, `${op}.${k} dtype`).toBe(want.dtype);
    if (want.dtype === 'int32') expect(Array.from(got[k]!.data), `${op}.${k}`).toEqual(Array.from(want.data));
    else expect(relErr(got[k]!.data, want.data), `${op}.${k}`).toBeLessThan(op === 'pow' || op === 'sum' ? 1e-5 : 2e-6);
  }
}

for (const threads of [1, 2]) {
  describe(`wasm backend ops, ${threads} thread(s)`, () => {
    let rt: WasmRuntime;
    beforeAll(async () => { rt = await WasmRuntime.create({ threads, workerHost: testWorkerHost(), warmUp: false }); });
    afterAll(() => rt?.dispose());
    for (const op of Object.keys(CASES) as OpName[]) {
      it(`${op} matches the reference`, async () => {
        await compare(rt, op, true);
        if (threads === 1) await compare(rt, op, false);
      });
    }
  });
}
