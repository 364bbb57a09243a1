import { expect, it } from 'vitest';
import { learningRate } from './schedule.js';

it('warms up linearly, then decays by a cosine to the final fraction', () => {
  const o = { base: 1, totalSteps: 110, warmupSteps: 10, final: 0.1 };
  expect(learningRate(o, 0)).toBeCloseTo(0.1);
  expect(learningRate(o, 9)).toBeCloseTo(1);
  expect(learningRate(o, 10)).toBeCloseTo(1);
  expect(learningRate(o, 60)).toBeCloseTo(0.1 + 0.9 * 0.5);
  expect(learningRate(o, 110)).toBeCloseTo(0.1);
  expect(learningRate({ base: 3e-4, totalSteps: 5, kind: 'constant' }, 4)).toBe(3e-4);
});
