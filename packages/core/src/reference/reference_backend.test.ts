/** The reference backend: feed checking, state across runs and shared between executables, readState/writeState, fetch subsets, destroy. */
import { describe, expect, it } from 'vitest';
import { BackendError, FeedError, Graph, ReferenceBackend, checkSharedState, ops, type Executable } from '../index.js';

/** y = x + 1 over float32 x [2,3] and one_hot(labels) over int32 labels [2]. */
async function twoInputStep(): Promise<Executable> {
  const g = new Graph();
  const x = g.input('x', [2, 3]);
  const labels = g.input('labels', [2], 'int32');
  return new ReferenceBackend().compile({ outputs: { y: ops.add(x, 1), hot: ops.oneHot(labels, 3) } });
}

/** count += 1 every run; `before` fetches the value the run started with. */
async function counter(initial?: number): Promise<Executable> {
  const g = new Graph();
  const count = g.state('count', [1]);
  return new ReferenceBackend().compile({
    outputs: { before: count, after: ops.add(count, 1) },
    updates: { count: ops.add(count, 1) },
    ...(initial === undefined ? {} : { initialState: { count: new Float32Array([initial]) } }),
  });
}

describe('ReferenceBackend feeds', () => {
  const x = new Float32Array(6);
  const labels = new Int32Array([0, 2]);

  it('runs valid feeds given as typed arrays or host tensors, float64 throughout', async () => {
    const exe = await twoInputStep();
    const out = await exe.run({ x: { shape: [2, 3], dtype: 'float32', data: Float64Array.from([0.1, 0.2, 0, 0, 0, 0]) }, labels });
    expect(out['y']!.shape).toEqual([2, 3]);
    expect(out['y']!.data).toBeInstanceOf(Float64Array);
    expect(out['y']!.data[0]).toBe(1.1); // 0.1 + 1 in float64, not float32's 1.100000023841858
    expect([...out['hot']!.data]).toEqual([1, 0, 0, 0, 0, 1]);
  });

  it('names a missing feed with the shape it expects', async () => {
    const exe = await twoInputStep();
    await expect(exe.run({ x })).rejects.toThrow(FeedError);
    await expect(exe.run({ x })).rejects.toThrow('feed "labels" is missing: expected int32[2]');
  });

  it('names a feed of the wrong shape', async () => {
    const exe = await twoInputStep();
    await expect(exe.run({ x: { shape: [3, 2], dtype: 'float32', data: x }, labels })).rejects.toThrow('feed "x" is float32[3,2], expected float32[2,3]');
    await expect(exe.run({ x: new Float32Array(5), labels })).rejects.toThrow('feed "x" has 5 elements, expected 6 for [2,3]');
  });

  it('names a feed of the wrong dtype', async () => {
    const exe = await twoInputStep();
    await expect(exe.run({ x, labels: new Float32Array([0, 2]) })).rejects.toThrow('feed "labels" must be an Int32Array (dtype int32)');
    await expect(exe.run({ x: new Int32Array(6), labels })).rejects.toThrow('feed "x" must be float data (dtype float32), got Int32Array');
    await expect(exe.run({ x: { shape: [2, 3], dtype: 'int32', data: new Int32Array(6) }, labels })).rejects.toThrow('feed "x" is int32[2,3], expected float32[2,3]');
  });

  it('names an unknown feed and lists the inputs', async () => {
    const exe = await twoInputStep();
    await expect(exe.run({ x, labels, lables: labels })).rejects.toThrow(FeedError);
    await expect(exe.run({ x, labels, lables: labels })).rejects.toThrow('feed "lables" names no input of this step; inputs are: x, labels');
  });
});

describe('ReferenceBackend state', () => {
  it('applies updates in place across runs; a fetch of the state sees the value the run started with', async () => {
    const exe = await counter();
    for (let i = 0; i < 3; i++) {
      const out = await exe.run({});
      expect([...out['before']!.data]).toEqual([i]);
      expect([...out['after']!.data]).toEqual([i + 1]);
    }
    expect([...(await exe.readState('count')).data]).toEqual([3]);
  });

  it('starts from initialState and refuses unknown or malformed initial state', async () => {
    const exe = await counter(10);
    await exe.run({});
    expect([...(await exe.readState('count')).data]).toEqual([11]);
    const g = new Graph();
    const s = g.state('s', [2]);
    const spec = { outputs: { y: ops.exp(s) } };
    await expect(new ReferenceBackend().compile({ ...spec, initialState: { t: new Float32Array(2) } })).rejects.toThrow('initial state "t" names no state');
    await expect(new ReferenceBackend().compile({ ...spec, initialState: { s: new Float32Array(3) } })).rejects.toThrow(FeedError);
  });

  it('readState returns a copy; writeState overwrites and the next run uses it', async () => {
    const exe = await counter();
    const read = await exe.readState('count');
    expect(read.shape).toEqual([1]);
    expect(read.dtype).toBe('float32');
    (read.data as Float64Array)[0] = 99;
    expect([...(await exe.readState('count')).data]).toEqual([0]);

    await exe.writeState('count', new Float32Array([41]));
    const out = await exe.run({});
    expect([...out['before']!.data]).toEqual([41]);
    expect([...(await exe.readState('count')).data]).toEqual([42]);
  });

  it('refuses unknown state names and malformed state values', async () => {
    const exe = await counter();
    await expect(exe.readState('nope')).rejects.toThrow('state "nope" is not part of this step');
    await expect(exe.writeState('nope', new Float32Array(1))).rejects.toThrow(FeedError);
    await expect(exe.writeState('count', new Float32Array(2))).rejects.toThrow('state "count" has 2 elements, expected 1');
    await expect(exe.writeState('count', new Int32Array(1))).rejects.toThrow(/must be float data/);
    // A failed write leaves the state as it was.
    expect([...(await exe.readState('count')).data]).toEqual([0]);
  });

  it('shares state leaves between executables (shareStateWith) and refuses misuse', async () => {
    await checkSharedState(new ReferenceBackend());
  });

  it('a state is not a feed', async () => {
    const exe = await counter();
    await expect(exe.run({ count: new Float32Array(1) })).rejects.toThrow(/names no input of this step; inputs are: none/);
  });
});

describe('ReferenceBackend fetch and lifetime', () => {
  it('fetches a subset of the outputs, and nothing for an empty list', async () => {
    const exe = await counter();
    expect(Object.keys(await exe.run({}, { fetch: ['after'] }))).toEqual(['after']);
    expect(await exe.run({}, { fetch: [] })).toEqual({});
    expect(Object.keys(await exe.run({})).sort()).toEqual(['after', 'before']);
    // Updates still applied on every run, fetched or not.
    expect([...(await exe.readState('count')).data]).toEqual([3]);
  });

  it('names an unknown fetch and applies no update for that run', async () => {
    const exe = await counter();
    await expect(exe.run({}, { fetch: ['before', 'nope'] })).rejects.toThrow('fetch "nope" names no output; outputs are: before, after');
    expect([...(await exe.readState('count')).data]).toEqual([0]);
  });

  it('refuses to run, read or write state after destroy', async () => {
    const exe = await counter();
    exe.destroy();
    await expect(exe.run({})).rejects.toThrow(BackendError);
    await expect(exe.readState('count')).rejects.toThrow(BackendError);
    await expect(exe.writeState('count', new Float32Array(1))).rejects.toThrow(BackendError);
  });
});
