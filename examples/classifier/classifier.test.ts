import { expect, test } from 'vitest';
import { ACCURACY_FLOOR, main } from './classifier.js';

test('the classifier example reaches its accuracy floor on the embedded Fashion-MNIST subset', async () => {
  const { accuracy } = await main(['3']);
  expect(accuracy).toHaveLength(3);
  expect(accuracy[2]).toBeGreaterThanOrEqual(ACCURACY_FLOOR);
  // Evaluated on the trained weights each time, not a copy taken once: accuracy moved between epochs.
  expect(new Set(accuracy).size).toBeGreaterThan(1);
});
