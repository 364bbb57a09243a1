import { expect, test } from 'vitest';
import { ACCURACY_FLOOR, main } from './finetune.js';

test('fine-tuning from PyTorch weights clears the floor and beats the same recipe from random weights', async () => {
  const { pretrained, scratch } = await main(['10']);
  expect(pretrained).toBeGreaterThanOrEqual(ACCURACY_FLOOR);
  expect(pretrained).toBeGreaterThan(scratch);
}, 600_000);
