import { expect, test } from 'vitest';
// @ts-expect-error: plain .mjs build script without type declarations
import { renderWgslModule, genFile } from '../scripts/gen_wgsl.mjs';
import { readFileSync } from 'node:fs';

test('wgsl.gen.ts is fresh (run `node scripts/gen_wgsl.mjs` in shaders/tensor if this fails)', () => {
  expect(readFileSync(genFile as string, 'utf8')).toBe((renderWgslModule as () => string)());
});
