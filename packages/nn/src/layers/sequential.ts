/** Sequential as torch.nn.Sequential: children named '0', '1', ... applied in order. Public. */
import type { Node } from '@dogo/core';
import { Module } from '../module/module.js';
import type { ForwardContext } from '../module/forward_context.js';

export class Sequential extends Module {
  constructor(...modules: Module[]) {
    super();
    modules.forEach((m, i) => this.addModule(String(i), m));
  }

  /** Number of children. */
  get length(): number {
    return this.namedChildren().length;
  }

  forward(ctx: ForwardContext, x: Node): Node {
    let y = x;
    for (const [name] of this.namedChildren()) y = this.callChild(ctx, name, y);
    return y;
  }
}
