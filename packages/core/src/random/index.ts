/**
 * Seeded random numbers for the whole project (init, data order, augmentation seeds). Public.
 * Platform-neutral; holds no global generator: every consumer owns an `Rng` or a fork of one.
 */
export { Rng, RngStateError } from './rng.js';
export type { RngState, MutableArrayLike } from './rng.js';
