/**
 * Property-based fuzzing (fast-check) of checkpoint contents: a manifest from any text or JSON value, and a
 * tensors file from any bytes, is either accepted whole (and then usable: a bare tensors file name, a loader
 * position, a generator state) or refused with CheckpointError or SafetensorsError.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Rng } from '@dogo/core';
import { SafetensorsError } from '@dogo/nn';
import { CHECKPOINT_FORMAT, CheckpointError, decodeState, encodeState, parseManifest } from './checkpoint.js';

const valid = () => ({ format: CHECKPOINT_FORMAT, step: 4, loader: { epoch: 0, position: 4 }, rng: new Rng(1).getState(), tensors: 'step-4.safetensors', configHash: 'abcd1234' });

function parseOrRefuse(text: string): void {
  try {
    const m = parseManifest(text, 'fuzz.json');
    expect(m.tensors).toMatch(/^step-\d+\.safetensors$/);
    expect(Number.isInteger(m.loader.epoch) && Number.isInteger(m.loader.position)).toBe(true);
    expect(() => Rng.fromState(m.rng)).not.toThrow();
  } catch (e) {
    if (!(e instanceof CheckpointError)) throw e;
  }
}

/** The valid manifest with one field replaced by any JSON value (or removed). */
const damaged = fc.tuple(fc.constantFrom('format', 'step', 'loader', 'rng', 'tensors', 'configHash'), fc.option(fc.jsonValue({ maxDepth: 3 }))).map(([k, v]) => {
  const m: Record<string, unknown> = valid();
  if (v === null) delete m[k];
  else m[k] = v;
  return JSON.stringify(m);
});

describe('fuzz: checkpoint manifest and tensors', () => {
  it('manifests: any text, any JSON, and valid ones with a field replaced', () => {
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 60 }), fc.json({ maxDepth: 4 }), damaged), parseOrRefuse), { numRuns: 2000 });
    expect(() => parseManifest(JSON.stringify({ ...valid(), tensors: '../../etc/passwd' }), 'm')).toThrow('"tensors" must name a step-<n>.safetensors file beside it');
  });

  it('tensors files: any bytes, and valid ones with bytes overwritten', () => {
    const good = encodeState({ 'a.weight': { shape: [2, 2], dtype: 'float32', data: Float32Array.of(1, 2, 3, 4) }, 'a.count': { shape: [1], dtype: 'int32', data: Int32Array.of(7) } });
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 80 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }).map((flips) => {
      const b = Uint8Array.from(good);
      for (const [at, v] of flips) b[at % b.length] = v;
      return b;
    })), (bytes) => {
      try {
        const s = decodeState(bytes, 'fuzz.safetensors');
        for (const t of Object.values(s)) expect(t.data.length).toBe(t.shape.reduce((a, b) => a * b, 1));
      } catch (e) {
        if (!(e instanceof CheckpointError) && !(e instanceof SafetensorsError)) throw e;
      }
    }), { numRuns: 1500 });
  });
});
