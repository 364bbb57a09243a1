/**
 * Reverse-mode autodiff as a graph transform: `grad(loss, wrt)` appends gradient nodes to the graph and
 * returns one per `wrt`. Node ids are creation order, hence a topological order, so the backward sweep
 * is a loop over ids in reverse. Fan-out accumulates by addition; stop_gradient and zero-gradient ops block.
 * Gradient nodes are labelled with the label of the node they differentiate.
 */
import { GradientError } from '../errors.js';
import type { Node } from '../graph/node.js';
import { ops } from '../graph/builder.js';
import { getOp } from '../ops/registry.js';
import { formatShape, shapesEqual } from '../shape.js';

export interface GradOptions {
  /** Upstream gradient for `loss`; defaults to ones, which needs a one-element loss. */
  seed?: Node;
}

export function grad(loss: Node, wrt: readonly Node[], options: GradOptions = {}): Node[] {
  const g = loss.graph;
  let seed = options.seed;
  if (!seed) {
    if (loss.size !== 1) throw new GradientError(`grad: loss ${loss} has ${loss.size} elements; pass a seed of shape ${formatShape(loss.shape)} or reduce it to one element`);
    seed = g.fill(1, loss.shape);
  } else if (!shapesEqual(seed.shape, loss.shape)) {
    throw new GradientError(`grad: seed shape ${formatShape(seed.shape)} differs from loss shape ${formatShape(loss.shape)}`);
  }

  // Which nodes lie on a path from some wrt to the loss.
  const wrtIds = new Set(wrt.map((w) => w.id));
  const depends = new Uint8Array(loss.id + 1);
  const reachesLoss = new Uint8Array(loss.id + 1);
  reachesLoss[loss.id] = 1;
  for (let id = loss.id; id >= 0; id--) {
    if (!reachesLoss[id]) continue;
    for (const x of g.nodes[id]!.inputs) reachesLoss[x.id] = 1;
  }
  for (let id = 0; id <= loss.id; id++) {
    const n = g.nodes[id]!;
    if (wrtIds.has(id) || n.inputs.some((x) => depends[x.id])) depends[id] = 1;
  }

  const pending = new Map<number, Node[]>();
  pending.set(loss.id, [seed]);
  const total = new Map<number, Node>();
  const accumulate = (parts: Node[]): Node => parts.reduce((acc, p) => ops.add(acc, p));

  for (let id = loss.id; id >= 0; id--) {
    const parts = pending.get(id);
    if (!parts || !reachesLoss[id] || !depends[id]) continue;
    pending.delete(id);
    const node = g.nodes[id]!;
    const dy = accumulate(parts);
    total.set(id, dy);
    if (node.inputs.length === 0 || !node.inputs.some((x) => depends[x.id] && x.dtype === 'float32')) continue;
    const def = getOp(node.op);
    if (def.zeroGradient) continue;
    if (!def.grad) throw new GradientError(`grad: op "${node.op}" (${node}) has no gradient rule; put a stop_gradient before it or differentiate with respect to something else`);
    // gradient nodes carry the label of the node they differentiate (profiles attribute them to its layer)
    const gradRule = def.grad;
    const rule = () => gradRule({ node, inputs: node.inputs, attrs: node.attrs, dy, b: ops });
    const grads = g.gradientScope(node.label, rule);
    node.inputs.forEach((x, i) => {
      const gx = grads[i];
      if (!gx || !depends[x.id] || x.dtype !== 'float32') return;
      if (!shapesEqual(gx.shape, x.shape)) throw new GradientError(`grad: rule of "${node.op}" gave shape ${formatShape(gx.shape)} for input ${x} of shape ${formatShape(x.shape)}`);
      const list = pending.get(x.id);
      if (list) list.push(gx);
      else pending.set(x.id, [gx]);
    });
  }
  return wrt.map((w) => total.get(w.id) ?? g.fill(0, w.shape));
}
