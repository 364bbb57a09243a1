import { describe, expect, it } from 'vitest';
import { Graph, ReferenceBackend, Rng, type Feed } from '@dogo/core';
import { ForwardContext } from '../module/forward_context.js';
import { decodeSafetensors } from '../safetensors/decode.js';
import { encodeSafetensors } from '../safetensors/encode.js';
import type { SafeTensor } from '../safetensors/dtypes.js';
import { resnet18, resnetSmall, type ResNet } from '../resnet/resnet.js';
import { trainedLikeWeights as weights } from '../testing/trained_like_weights.js';
import { loadStateDict, readStateDict, stateDictToSafetensors, StateDictError } from './state_dict.js';

const tiny = () => resnet18({ widthMultiplier: 1 / 16, numClasses: 10 });

async function logits(model: ResNet, state: Record<string, Feed>, images: Float32Array): Promise<Float64Array> {
  const g = new Graph();
  const ctx = new ForwardContext(g, { training: false });
  const y = model.forward(ctx, g.input('x', [2, 3, 8, 8]));
  const initialState: Record<string, Feed> = {};
  for (const name of ctx.stateNames()) initialState[name] = state[name]!;
  const exe = await new ReferenceBackend().compile({ outputs: { y }, initialState });
  const out = await exe.run({ x: images });
  exe.destroy();
  return out['y']!.data as Float64Array;
}

function retensor(bytes: Uint8Array, edit: (t: Record<string, SafeTensor>) => void): Uint8Array {
  const { tensors } = decodeSafetensors(bytes);
  edit(tensors);
  return encodeSafetensors(tensors);
}

describe('state dicts in safetensors', () => {
  it('a ResNet-18 on weights reloaded from safetensors gives exactly the same logits', async () => {
    const original = tiny();
    const values = weights(original, 7);
    const bytes = stateDictToSafetensors(original, values, { metadata: { format: 'pt' } });
    const file = decodeSafetensors(bytes);
    expect(Object.keys(file.tensors)).toEqual([...original.namedParameters()].map(([n]) => n));
    expect(file.tensors['layer2.0.downsample.0.weight']!.shape).toEqual([8, 4, 1, 1]);
    expect(file.metadata).toEqual({ format: 'pt' });

    const fresh = tiny();
    const loaded = loadStateDict(fresh, bytes, { source: 'tiny.safetensors' });
    for (const [name, v] of Object.entries(values)) expect(loaded[name], name).toEqual(v);

    const rng = new Rng(3);
    const images = Float32Array.from({ length: 2 * 3 * 8 * 8 }, () => rng.normal());
    const a = await logits(original, values, images);
    const b = await logits(fresh, loaded, images);
    expect(a).toHaveLength(20);
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(new Set(a).size).toBeGreaterThan(10);
  });

  it('refuses a wrong shape, a missing key and an unexpected key, naming each', () => {
    const model = tiny();
    const bytes = stateDictToSafetensors(model, model.initialState(new Rng(1)));
    const bad = retensor(bytes, (t) => {
      t['fc.weight'] = { dtype: 'F32', shape: [5, 32], data: new Float32Array(160) };
      delete t['layer3.1.bn2.running_var'];
      t['layer9.weight'] = { dtype: 'F32', shape: [1], data: new Float32Array(1) };
    });
    let err: unknown;
    try {
      loadStateDict(model, bad, { source: 'bad.safetensors' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StateDictError);
    const msg = (err as Error).message;
    expect(msg).toContain('bad.safetensors');
    expect(msg).toContain('size mismatch for fc.weight: copying a param with shape [5,32] from checkpoint, the shape in current model is [10,32]');
    expect(msg).toContain('Missing key(s): "layer3.1.bn2.running_var"');
    expect(msg).toContain('Unexpected key(s): "layer9.weight"');

    // A file of another architecture: every difference is listed at once.
    expect(() => loadStateDict(resnetSmall({ stageChannels: [4, 8, 16] }), bytes)).toThrow(/Unexpected key\(s\): .*"layer4\.0\.conv1\.weight"/);
  });

  it('non-strict loading skips missing and unexpected keys but still refuses shape mismatches', () => {
    const model = tiny();
    const bytes = stateDictToSafetensors(model, model.initialState(new Rng(1)));
    const partial = retensor(bytes, (t) => {
      delete t['fc.weight'];
      t['extra'] = { dtype: 'F32', shape: [1], data: new Float32Array(1) };
    });
    const loaded = loadStateDict(model, partial, { strict: false });
    expect(loaded['fc.weight']).toBeUndefined();
    expect(loaded['conv1.weight']).toHaveLength(4 * 3 * 9);
    const wrong = retensor(bytes, (t) => (t['conv1.weight'] = { dtype: 'F32', shape: [4, 3, 3], data: new Float32Array(36) }));
    expect(() => loadStateDict(model, wrong, { strict: false })).toThrow(/size mismatch for conv1\.weight/);
  });

  it('ignores num_batches_tracked (int64 in PyTorch) and can write it; reads F64, F16 and BF16', () => {
    const model = tiny();
    const values = model.initialState(new Rng(2));
    const withNbt = stateDictToSafetensors(model, values, { numBatchesTracked: 12 });
    const t = decodeSafetensors(withNbt).tensors;
    const keys = Object.keys(t);
    expect(keys.slice(0, 7)).toEqual(['conv1.weight', 'bn1.weight', 'bn1.bias', 'bn1.running_mean', 'bn1.running_var', 'bn1.num_batches_tracked', 'layer1.0.conv1.weight']);
    expect(t['bn1.num_batches_tracked']).toEqual({ dtype: 'I64', shape: [], data: BigInt64Array.of(12n) });
    expect(loadStateDict(model, withNbt)['bn1.running_var']).toEqual(values['bn1.running_var']);
    // A num_batches_tracked with no batch norm of that name is still unexpected.
    const stray = retensor(withNbt, (x) => (x['fc.num_batches_tracked'] = { dtype: 'I64', shape: [], data: BigInt64Array.of(0n) }));
    expect(() => loadStateDict(model, stray)).toThrow(/Unexpected key\(s\): "fc\.num_batches_tracked"/);

    const converted = retensor(withNbt, (x) => {
      x['fc.bias'] = { dtype: 'F64', shape: [10], data: Float64Array.from({ length: 10 }, (_, i) => i / 4) };
      x['bn1.weight'] = { dtype: 'F16', shape: [4], data: Uint16Array.of(0x3c00, 0xc000, 0x3555, 0x0001) };
      x['bn1.bias'] = { dtype: 'BF16', shape: [4], data: Uint16Array.of(0x3f80, 0xbfc0, 0, 0x4049) };
    });
    const v = loadStateDict(model, converted);
    expect(Array.from(v['fc.bias']!)).toEqual(Array.from({ length: 10 }, (_, i) => i / 4));
    expect(Array.from(v['bn1.weight']!)).toEqual([1, -2, Math.fround(0.333251953125), Math.fround(2 ** -24)]);
    expect(Array.from(v['bn1.bias']!)).toEqual([1, -1.5, 0, 3.140625]);
    const ints = retensor(withNbt, (x) => (x['fc.bias'] = { dtype: 'I32', shape: [10], data: new Int32Array(10) }));
    expect(() => loadStateDict(model, ints)).toThrow(/"fc\.bias" has dtype I32/);
  });

  it('readStateDict says what it loaded: a torchvision-style file with fc.* and int64 counters, into an encoder', () => {
    // What torch.save(resnet.state_dict()) holds: an fc layer and every batch norm's num_batches_tracked.
    const classifier = tiny();
    const file = stateDictToSafetensors(classifier, classifier.initialState(new Rng(5)), { numBatchesTracked: 3, metadata: { format: 'pt' } });
    const encoder = resnet18({ widthMultiplier: 1 / 16 });
    let err: unknown;
    try {
      readStateDict(encoder, file, { source: 'tv.safetensors', hint: 'Pass --init-non-strict to ignore them.' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StateDictError);
    expect((err as Error).message).toContain('Error(s) in loading state_dict from tv.safetensors for ResNet:\n  Unexpected key(s): "fc.weight", "fc.bias".\nPass --init-non-strict to ignore them.');
    expect((err as Error).message).not.toContain('num_batches_tracked');

    const r = readStateDict(encoder, file, { strict: false });
    expect(r.unexpected).toEqual(['fc.weight', 'fc.bias']);
    expect(r.missing).toEqual([]);
    expect(r.numBatchesTracked).toHaveLength(20);
    expect(r.numBatchesTracked[0]).toBe('bn1.num_batches_tracked');
    expect(Object.keys(r.values)).toEqual([...encoder.namedParameters()].map(([n]) => n));
    expect(r.metadata).toEqual({ format: 'pt' });
    expect(r.converted).toEqual({});
    const f64 = retensor(file, (t) => (t['conv1.weight'] = { dtype: 'F64', shape: [4, 3, 3, 3], data: new Float64Array(108) }));
    expect(readStateDict(encoder, f64, { strict: false }).converted).toEqual({ F64: 1 });
  });

  it('saving checks coverage and sizes, reads under a prefix and rounds Float64 values', () => {
    const model = tiny();
    const values = model.initialState(new Rng(4));
    const missing = { ...values };
    delete missing['fc.bias'];
    expect(() => stateDictToSafetensors(model, missing)).toThrow(/Missing key\(s\): "fc\.bias"/);
    expect(() => stateDictToSafetensors(model, { ...values, 'fc.bias': new Float32Array(3) })).toThrow(/size mismatch for fc\.bias: 3 values given/);
    expect(() => stateDictToSafetensors(model, { ...values, oops: new Float32Array(1) })).toThrow(/Unexpected key\(s\): "oops"/);

    const cohort: Record<string, ArrayLike<number>> = { 'peer.encoder.conv1.weight': new Float32Array(1), 'lr.0': [0.1] };
    for (const [k, v] of Object.entries(values)) cohort[`student.encoder.${k}`] = Float64Array.from(v);
    const bytes = stateDictToSafetensors(model, cohort, { prefix: 'student.encoder.' });
    expect(loadStateDict(model, bytes)).toEqual(values);
  });
});
