import { describe, expect, it } from 'vitest';
import { CheckpointError, decodeState, encodeState, fingerprint, parseManifest } from './checkpoint.js';

describe('checkpoint contents', () => {
  it('round-trips every state tensor exactly', () => {
    const state = {
      'student.encoder.conv1.weight': { shape: [2, 1, 3, 3], dtype: 'float32' as const, data: Float32Array.from({ length: 18 }, (_, i) => i / 7) },
      counter: { shape: [1], dtype: 'int32' as const, data: Int32Array.of(42) },
    };
    const back = decodeState(encodeState(state), 'mem');
    expect(Array.from(back['student.encoder.conv1.weight']!.data)).toEqual(Array.from(state['student.encoder.conv1.weight'].data));
    expect(back['counter']).toMatchObject({ dtype: 'int32', shape: [1] });
  });

  it('refuses a damaged manifest with the reason', () => {
    expect(() => parseManifest('{"format": "dogo-checkpoint/1", "step": 3', 'x/checkpoint.json')).toThrow(CheckpointError);
    expect(() => parseManifest('{"format": "other"}', 'x/checkpoint.json')).toThrow(/format "other"/);
    // An object whose toString is not a function cannot be turned into a string by String(): found by the fuzz test.
    expect(() => parseManifest('{"format": {"toString": null}}', 'x/checkpoint.json')).toThrow(/format \{"toString":null\} is not/);
  });

  it('fingerprints configurations independently of key order', () => {
    expect(fingerprint({ a: 1, b: [1, 2] })).toBe(fingerprint({ b: [1, 2], a: 1 }));
    expect(fingerprint({ a: 1 })).not.toBe(fingerprint({ a: 2 }));
  });
});
