import { expect, it } from 'vitest';
// @ts-expect-error -- a plain .mjs tool without type declarations
import { checkDeps } from './check-deps.mjs';

it('dependencies point one way, and every import is declared', () => {
  expect(checkDeps()).toEqual([]);
});
