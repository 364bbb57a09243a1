import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, SettingsError, settingsFromParams } from './settings.js';

describe('page settings', () => {
  it('reads URL parameters over the defaults', () => {
    const s = settingsFromParams(new URLSearchParams('batch=16&steps=20&student=4,8&peer=8 8&lr=0.01&fixedBatch=1&size=12'));
    expect(s).toMatchObject({ batchSize: 16, steps: 20, student: [4, 8], peer: [8, 8], lr: 0.01, fixedBatch: true, imageSize: 12 });
    expect(s.lambda).toBe(DEFAULT_SETTINGS.lambda);
  });

  it('names the setting at fault', () => {
    expect(() => settingsFromParams(new URLSearchParams('batch=1'))).toThrow(/batch size must be an integer from 2/);
    expect(() => settingsFromParams(new URLSearchParams('student=4,x'))).toThrow(SettingsError);
    expect(() => settingsFromParams(new URLSearchParams('lr=abc'))).toThrow(/lr: "abc" is not a number/);
    expect(() => settingsFromParams(new URLSearchParams('size=8&student=4,4,4,4'))).toThrow(/too small for 4 stages/);
  });
});
