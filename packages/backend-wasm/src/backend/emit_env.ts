/** What the emitters of one executable need: the runtime, the plan, and addresses of storage. Internal. */
import type { Plan } from '@dogo/core';
import type { Conv2dAlgorithm } from '../runtime/conv2d.js';
import type { WasmRuntime } from '../runtime/wasm_runtime.js';

export interface EmitEnv {
  readonly rt: WasmRuntime;
  readonly plan: Plan;
  /** Byte address of value `i`'s elements (its storage owner's region). */
  addr(i: number): number;
  /** Arena bytes owned by the executable (freed by destroy). */
  alloc(bytes: number): number;
  /** The algorithm chosen for convolution value `i` (conv_choices.ts). */
  convAlgorithm(i: number): Conv2dAlgorithm;
}
