/**
 * Tuning on the running machine: what backends share when they time kernel candidates at compile (the wasm
 * backend's convolution algorithms, the WebGPU backend's tilings). A backend keeps its decisions in a
 * TuningCache the platform adapter provides (@dogo/node: a JSON file under the user's cache folder,
 * @dogo/browser: the Origin Private File System), so a shape is timed once per machine. Platform-neutral.
 */

/**
 * How a backend chooses among kernel candidates at compile: 'off' a fixed rule (deterministic, nothing
 * timed); 'quick' times each candidate briefly on the running machine, unless the cache already holds the
 * choice; 'full' times longer (steadier choices, slower compile).
 */
export type TuneMode = 'off' | 'quick' | 'full';

/** The tune modes, for flag parsing. */
export const TUNE_MODES: readonly TuneMode[] = ['off', 'quick', 'full'];

/** Decisions kept between runs: JSON values under string keys (a key names the machine, kernel build and shape). */
export interface TuningCache {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown): Promise<void>;
}

/** A TuningCache in memory (one process), and the default when no adapter provides one. */
export class MemoryTuningCache implements TuningCache {
  readonly entries = new Map<string, unknown>();
  async get(key: string): Promise<unknown> { return this.entries.get(key); }
  async set(key: string, value: unknown): Promise<void> { this.entries.set(key, value); }
}

/** A short stable hash of a string (FNV-1a, 32 bits, hex): kernel builds in cache keys. */
export function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let k = 0; k < text.length; k++) {
    h ^= text.charCodeAt(k);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}
