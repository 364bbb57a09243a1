/** ReLU as torch.nn.ReLU. Public. */
import { ops, type Node } from '@dogo/core';
import { Module } from '../module/module.js';
import type { ForwardContext } from '../module/forward_context.js';

export class ReLU extends Module {
  forward(_ctx: ForwardContext, x: Node): Node {
    return ops.relu(x);
  }
}
