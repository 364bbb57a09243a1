/**
 * @dogo/platform: one import for a backend on any runtime. `import { createBackend } from '@dogo/platform'` gets
 * @dogo/node's implementation on Node and @dogo/browser's in a bundle for browsers (package export conditions
 * `node` and `browser`). This file is the types entry both implementations are checked against; it has no code.
 * @module @dogo/platform
 */
import type { Backend, BackendChoice, BackendKind, CreateBackendOptions } from '@dogo/core';

export type { Backend, BackendChoice, BackendKind, CreateBackendOptions };

/**
 * A backend by name: `wasm`, `webgpu`, or `auto` (WebGPU on a hardware adapter, else wasm). On Node, Dawn is
 * loaded only when WebGPU is asked for or probed by `auto`.
 */
export declare function createBackend(kind?: BackendKind, options?: CreateBackendOptions): Promise<Backend>;

/** The same as createBackend, with the reason for the choice (`auto: no hardware WebGPU adapter: wasm, 2 threads`). */
export declare function selectBackend(kind?: BackendKind, options?: CreateBackendOptions): Promise<BackendChoice>;
