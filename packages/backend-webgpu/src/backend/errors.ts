/** Errors of the WebGPU backend's plan compiler. Public. */
import { BackendError, type PlanValue } from '@dogo/core';

/** A kernel for one plan value could not be built, compiled or bound; names the op and the node. */
export class OpKernelError extends BackendError {
  constructor(
    readonly op: string,
    /** The node, as `op#id "label" dtype[shape]`. */
    readonly node: string,
    readonly detail: string,
  ) {
    super(`webgpu: cannot compile ${node}: ${detail}`);
  }

  static of(v: PlanValue, e: unknown): OpKernelError {
    return e instanceof OpKernelError ? e : new OpKernelError(v.op, String(v.node), e instanceof Error ? e.message : String(e));
  }
}
