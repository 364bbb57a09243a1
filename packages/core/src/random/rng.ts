/**
 * Seeded pseudo-random numbers: xoshiro128** (Blackman & Vigna), 128-bit state held as four u32 words.
 * Public. Deterministic on every platform (32-bit integer ops only), forkable into independent
 * streams, and its state is a small JSON-safe object for checkpoints.
 * Deliberately not cryptographic, and not a device-side generator (kernels get their own seeds from it).
 */
import { DogoError } from '../errors.js';
import { fmix32, hashLabel, splitmix32 } from './hash.js';

/** Serialisable generator state: the four xoshiro128** words as unsigned 32-bit integers. */
export interface RngState {
  readonly algorithm: 'xoshiro128**';
  readonly s: readonly [number, number, number, number];
}

/** A state object that is not four u32 words, not all zero, or names another algorithm. */
export class RngStateError extends DogoError {}

/** Something with a length and writable numeric indices: arrays and typed arrays. */
export interface MutableArrayLike<T> {
  readonly length: number;
  [index: number]: T;
}

const TWO_POW_32 = 0x1_0000_0000;
const TWO_POW_53 = 9007199254740992;

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** A xoshiro128** generator. Construct from an integer seed; `fork` derives independent streams. */
export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  /** Seeds from a non-negative safe integer (both 32-bit halves count) through SplitMix32. */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new RangeError(`Rng: seed ${seed} is not a non-negative safe integer; pass e.g. 0 or 42`);
    }
    let st = fmix32(seed >>> 0) ^ Math.imul(Math.floor(seed / TWO_POW_32) >>> 0, 0x9e3779b9);
    const words: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = splitmix32(st);
      st = r.state;
      words.push(r.out);
    }
    this.setWords(words[0], words[1], words[2], words[3]);
  }

  /** A generator that resumes exactly from `state` (as returned by `getState`). */
  static fromState(state: RngState): Rng {
    const r = new Rng(0);
    r.setState(state);
    return r;
  }

  /** Next unsigned 32-bit integer in [0, 2^32). */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3 >>> 0, 11);
    this.s0 >>>= 0;
    this.s1 >>>= 0;
    this.s2 >>>= 0;
    return result;
  }

  /** Uniform double in [0, 1) with 53 random bits (two words). */
  uniform(): number {
    const a = this.nextU32() >>> 5; // 27 bits
    const b = this.nextU32() >>> 6; // 26 bits
    return (a * 67108864 + b) / TWO_POW_53;
  }

  /**
   * Standard normal sample by Box-Muller. Uses one of the pair and draws fresh each call, so the
   * state stays four words with no cached spare.
   */
  normal(mean = 0, std = 1): number {
    const u1 = 1 - this.uniform(); // (0, 1]: log is finite
    const u2 = this.uniform();
    return mean + std * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** Unbiased integer in [0, n) for 1 <= n <= 2^32, by rejection of the short last bucket. */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_POW_32) {
      throw new RangeError(`Rng.int: n = ${n} must be an integer in [1, 2^32]`);
    }
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    for (;;) {
      const x = this.nextU32();
      if (x < limit) return x % n;
    }
  }

  /** Shuffles `array` in place (Fisher-Yates) and returns it. */
  shuffle<A extends MutableArrayLike<unknown>>(array: A): A {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = array[i];
      array[i] = array[j];
      array[j] = tmp;
    }
    return array;
  }

  /**
   * An independent generator derived from this one's current state and `label` (a string or an
   * index). Does not advance this generator: the same state and label always give the same child.
   */
  fork(label: string | number): Rng {
    const h = hashLabel(label);
    const words = [this.s0, this.s1, this.s2, this.s3].map((w, i) =>
      fmix32(w ^ fmix32((h + Math.imul(i + 1, 0x9e3779b9)) >>> 0)),
    );
    const child = new Rng(0);
    child.setWords(words[0], words[1], words[2], words[3]);
    // A few steps decorrelate children whose labels differ in few bits.
    for (let i = 0; i < 4; i++) child.nextU32();
    return child;
  }

  /** The state as a small JSON-safe object; `setState` or `Rng.fromState` resumes from it. */
  getState(): RngState {
    return { algorithm: 'xoshiro128**', s: [this.s0, this.s1, this.s2, this.s3] };
  }

  /** Restores a state from `getState`; refuses anything else with an `RngStateError`. */
  setState(state: RngState): void {
    const s: unknown = (state as { s?: unknown } | null)?.s;
    if (state?.algorithm !== 'xoshiro128**') {
      throw new RngStateError(`Rng.setState: algorithm is ${JSON.stringify(state?.algorithm)}, expected "xoshiro128**"; pass an object from Rng.getState()`);
    }
    if (!Array.isArray(s) || s.length !== 4 || !s.every((w) => Number.isInteger(w) && w >= 0 && w < TWO_POW_32)) {
      throw new RngStateError(`Rng.setState: field "s" must be four unsigned 32-bit integers, got ${JSON.stringify(s)}; pass an object from Rng.getState()`);
    }
    if (s.every((w) => w === 0)) {
      throw new RngStateError('Rng.setState: field "s" is all zero, which xoshiro128** can never leave; pass an object from Rng.getState()');
    }
    this.setWords(s[0], s[1], s[2], s[3]);
  }

  private setWords(a: number, b: number, c: number, d: number): void {
    this.s0 = a >>> 0;
    this.s1 = b >>> 0;
    this.s2 = c >>> 0;
    this.s3 = d >>> 0;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s3 = 0x9e3779b9; // all-zero is a fixed point
  }
}
