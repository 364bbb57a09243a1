import { expect, test } from 'vitest';
import { mean } from '../dogo/dogo.js';
import { KNN_FLOOR, main } from './dogo_images.js';

test('DoGo on a folder of PNG files: the peer\'s NT-Xent falls and the student\'s kNN accuracy clears the floor', async () => {
  const r = await main(['', '40']);
  expect(r.ntXent.student).toHaveLength(40);
  expect(mean(r.ntXent.peer, 30, 40)).toBeLessThan(mean(r.ntXent.peer, 0, 10));
  expect(r.knnAfter).toBeGreaterThanOrEqual(KNN_FLOOR);
  expect(r.knnAfter).not.toBe(r.knnBefore); // evaluated on the trained weights, not a copy of the initial ones
}, 600_000);
