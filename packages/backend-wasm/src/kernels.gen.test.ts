import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// the build step that writes kernels.gen.ts (plain .mjs, no types)
// @ts-expect-error untyped build script
import { generate, GEN_PATH } from '../../../tools/wat/build-kernels.mjs';

describe('kernels.gen.ts', () => {
  it('is fresh: regenerating from tools/wat gives the same text (run node tools/wat/build-kernels.mjs)', async () => {
    const fresh: string = await generate();
    expect(readFileSync(GEN_PATH, 'utf8') === fresh).toBe(true);
  });
});
