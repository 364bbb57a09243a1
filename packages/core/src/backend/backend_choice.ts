/**
 * The runtime-neutral contract of createBackend (implemented by @dogo/node and @dogo/browser, picked by
 * @dogo/platform's export conditions): which backends a name may ask for, the options, and the choice with its
 * reason. Types and one check only; the adapters create the backends.
 */
import { DogoError } from '../errors.js';
import type { Backend } from './backend.js';

/** What createBackend may be asked for: `auto` picks WebGPU on a hardware adapter, else wasm. */
export type BackendKind = 'auto' | 'wasm' | 'webgpu';

/** The names BackendKind allows, for messages and command lines. */
export const BACKEND_KINDS: readonly BackendKind[] = ['auto', 'wasm', 'webgpu'];

/** Options of createBackend and selectBackend. */
export interface CreateBackendOptions {
  /** Wasm threads including the calling one (default: every core; in a browser page, 1 unless cross-origin isolated). */
  threads?: number;
  /** With `webgpu`, refuse a software adapter such as SwiftShader (NoAdapterError) instead of using it. */
  requireHardware?: boolean;
  /** Receives one line saying which backend was chosen and why. */
  log?: (line: string) => void;
}

/** A created backend and why it was chosen. */
export interface BackendChoice {
  readonly backend: Backend;
  readonly reason: string;
}

/** A backend name that is not `auto`, `wasm` or `webgpu`. */
export class UnknownBackendError extends DogoError {}

/** Throws UnknownBackendError unless `kind` is a BackendKind. */
export function checkBackendKind(kind: string): asserts kind is BackendKind {
  if (!(BACKEND_KINDS as readonly string[]).includes(kind)) throw new UnknownBackendError(`unknown backend "${kind}"; choose one of: ${BACKEND_KINDS.join(', ')}`);
}
