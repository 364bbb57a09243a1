/**
 * 32-bit integer mixing used to seed and fork random streams. Internal to random/.
 * Only Math.imul, shifts and xors, so every platform gives the same words. Not a cryptographic hash.
 */

/** Murmur3's 32-bit finaliser: every input bit flips about half the output bits. */
export function fmix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** One SplitMix32 step: returns the next state and an output word drawn from it. */
export function splitmix32(state: number): { state: number; out: number } {
  const next = (state + 0x9e3779b9) >>> 0;
  return { state: next, out: fmix32(next) };
}

/** Hash of a fork label; strings and numbers are tagged so `fork('3')` and `fork(3)` differ. */
export function hashLabel(label: string | number): number {
  if (typeof label === 'number') {
    if (!Number.isSafeInteger(label) || label < 0) {
      throw new RangeError(`Rng.fork: index ${label} is not a non-negative safe integer; pass an integer index or a string label`);
    }
    const lo = label >>> 0;
    const hi = Math.floor(label / 0x1_0000_0000) >>> 0;
    return fmix32(fmix32(lo ^ 0x6e756d31) ^ Math.imul(hi, 0x9e3779b9));
  }
  // FNV-1a over UTF-16 code units, then finalised; the seed differs from the number branch.
  let h = 0x811c9dc5 ^ 0x73747231;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h ^ label.length);
}
