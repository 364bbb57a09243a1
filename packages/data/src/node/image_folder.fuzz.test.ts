/**
 * Property-based fuzzing (fast-check) of the image-folder reader: random folder trees whose files are valid
 * PNGs of random sizes, damaged PNGs or random bytes; the reader returns a consistent dataset or throws
 * CorruptDatasetError or DatasetNotFoundError naming a path, never another error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pngjs from 'pngjs';
import { CorruptDatasetError, DatasetNotFoundError } from '../errors.js';
import { checkDataset } from '../dataset.js';
import { loadImageFolder } from './image_folder.js';

let base = '';
beforeAll(() => {
  base = mkdtempSync(path.join(os.tmpdir(), 'dogo-folder-fuzz-'));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

function png(size: number, seed: number): Uint8Array {
  const p = new pngjs.PNG({ width: size, height: size });
  for (let i = 0; i < p.data.length; i++) p.data[i] = (i * 31 + seed) & 255;
  return new Uint8Array(pngjs.PNG.sync.write(p));
}

/** One file: a valid PNG, a PNG with bytes overwritten or cut, or random bytes, under a random image name. */
const file = fc.record({
  name: fc.constantFrom('a.png', 'b.png', 'c.jpg', 'd.jpeg', 'e.PNG', 'notes.txt'),
  kind: fc.constantFrom('png', 'damaged', 'cut', 'random'),
  size: fc.constantFrom(4, 5),
  seed: fc.nat(255),
  at: fc.nat(),
  random: fc.uint8Array({ maxLength: 40 }),
});
const tree = fc.dictionary(fc.constantFrom('cat', 'dog', '.hidden', 'fox'), fc.array(file, { maxLength: 3 }), { maxKeys: 3 });

let run = 0;
describe('fuzz: image folder', () => {
  it('random trees of valid, damaged and random files', () => {
    fc.assert(fc.property(tree, (classes) => {
      const root = path.join(base, `t${run++}`);
      mkdirSync(root);
      for (const [cls, files] of Object.entries(classes)) {
        mkdirSync(path.join(root, cls));
        for (const f of files) {
          let bytes = png(f.size, f.seed);
          if (f.kind === 'damaged') bytes[f.at % bytes.length] ^= 0x5a;
          if (f.kind === 'cut') bytes = bytes.subarray(0, f.at % bytes.length);
          if (f.kind === 'random') bytes = f.random;
          writeFileSync(path.join(root, cls, f.name), bytes);
        }
      }
      try {
        const d = loadImageFolder(root);
        checkDataset(d);
        expect(d.classes.every((c) => !c.startsWith('.'))).toBe(true);
      } catch (e) {
        if (!(e instanceof CorruptDatasetError) && !(e instanceof DatasetNotFoundError)) throw e;
        expect((e as Error).message).toContain(root);
      }
    }), { numRuns: 150 });
  });
});
