/** Shape rules reject bad graphs at build time with a ShapeError that names the op, the node and the shapes. */
import { describe, expect, it } from 'vitest';
import { Graph, ShapeError, ops, type Node } from '../index.js';

/** The ShapeError thrown by `build`, failing the test if it throws anything else or nothing. */
function shapeErrorOf(build: () => unknown): ShapeError {
  try {
    build();
  } catch (e) {
    expect(e).toBeInstanceOf(ShapeError);
    return e as ShapeError;
  }
  throw new Error('expected a ShapeError, nothing was thrown');
}

function expectNames(e: ShapeError, op: string, nodeId: number, ...shapes: string[]): void {
  expect(e.message.startsWith(`${op} (node #${nodeId}`), e.message).toBe(true);
  for (const s of shapes) expect(e.message).toContain(s);
}

describe('ShapeError', () => {
  it('matmul: inner dimensions differ', () => {
    const g = new Graph();
    const a = g.input('a', [2, 3]);
    const b = g.input('b', [4, 5]);
    const e = shapeErrorOf(() => ops.matmul(a, b));
    expectNames(e, 'matmul', 2, '[2,3]', '[4,5]');
    expect(e.message).toMatch(/inner dimensions differ/);
    // Transposes are taken into account: op(b) = bᵀ is [5,4].
    expectNames(shapeErrorOf(() => ops.matmul(a, b, { transposeB: true })), 'matmul', 2, '[2,3]', '[4,5]', 'transposeB=true');
    expect(ops.matmul(a, g.input('c', [5, 3]), { transposeB: true }).shape).toEqual([2, 5]);
  });

  it('conv2d: input channels differ', () => {
    const g = new Graph();
    const x = g.input('x', [1, 3, 8, 8]);
    const w = g.input('w', [4, 2, 3, 3]);
    const e = shapeErrorOf(() => ops.conv2d(x, w));
    expectNames(e, 'conv2d', 2, '[1,3,8,8]', '[4,2,3,3]');
    expect(e.message).toMatch(/input channels differ: x has 3, weight expects 2/);
  });

  it('conv2d: kernel larger than the padded input', () => {
    const g = new Graph();
    const e = shapeErrorOf(() => ops.conv2d(g.input('x', [1, 1, 2, 2]), g.input('w', [1, 1, 5, 5])));
    expectNames(e, 'conv2d', 2, '[1,1,2,2]', '[1,1,5,5]');
  });

  it('binary ops: shapes that do not broadcast', () => {
    const g = new Graph();
    const a = g.input('a', [2, 3]);
    const b = g.input('b', [4]);
    const e = shapeErrorOf(() => ops.add(a, b));
    expectNames(e, 'add', 2, '[2,3]', '[4]');
    expect(e.message).toMatch(/do not broadcast/);
    expectNames(shapeErrorOf(() => ops.broadcastTo(a, [3, 3])), 'broadcast_to', 2, '[2,3]', '[3,3]');
  });

  it('reshape: element counts differ', () => {
    const g = new Graph();
    const x = g.input('x', [2, 3]);
    const e = shapeErrorOf(() => ops.reshape(x, [4, 2]));
    expectNames(e, 'reshape', 1, '[2,3]', '[4,2]');
    expect(e.message).toMatch(/6 elements/);
  });

  it('transpose: perm is not a permutation', () => {
    const g = new Graph();
    const x = g.input('x', [2, 3, 4]);
    expectNames(shapeErrorOf(() => ops.transpose(x, [0, 0, 1])), 'transpose', 1, '[2,3,4]', '[0,0,1]');
    expectNames(shapeErrorOf(() => ops.transpose(x, [1, 0])), 'transpose', 1, '[2,3,4]', '[1,0]');
  });

  it('concat: inputs disagree off the concat axis', () => {
    const g = new Graph();
    const a = g.input('a', [2, 3]);
    const b = g.input('b', [2, 4]);
    const e = shapeErrorOf(() => ops.concat([a, b], 0));
    expectNames(e, 'concat', 2, '[2,3]', '[2,4]');
    expect(ops.concat([a, b], 1).shape).toEqual([2, 7]);
    expectNames(shapeErrorOf(() => ops.concat([a, b], 2)), 'concat', 3, 'axis 2 out of range');
  });

  it('reductions, slices and pooling name their shapes too', () => {
    const g = new Graph();
    const x = g.input('x', [2, 3]);
    expectNames(shapeErrorOf(() => ops.sum(x, [2])), 'sum', 1, '[2,3]');
    expectNames(shapeErrorOf(() => ops.slice(x, [1, 0], [2, 3])), 'slice', 1, '[2,3]');
    expectNames(shapeErrorOf(() => ops.maxPool2d(x, { kernel: [2, 2] })), 'max_pool2d', 1, '[2,3]');
  });

  it('says where a node came from: input labels and the scope', () => {
    const g = new Graph();
    const x = g.input('features', [2, 3]);
    const w = g.state('weight', [5, 4]);
    const e = shapeErrorOf(() => g.scope('encoder.fc', () => ops.matmul(x, w, { transposeB: true })));
    expect(e.message).toContain('in encoder.fc');
    expect(e.message).toContain('float32[2,3] (features)');
    expect(e.message).toContain('float32[5,4] (weight)');
  });

  it('rejects nodes of another graph, wrong arity and duplicate leaf names', () => {
    const g = new Graph();
    const h = new Graph();
    const a: Node = g.input('a', [2]);
    const b: Node = h.input('b', [2]);
    expect(() => ops.add(a, b)).toThrow(/belongs to another graph/);
    expect(() => g.node('add', [a])).toThrow(ShapeError);
    expect(() => g.input('a', [3])).toThrow(/defined twice/);
    expect(() => g.state('a', [3])).toThrow(ShapeError);
  });
});
