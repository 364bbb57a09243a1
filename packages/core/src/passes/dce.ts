/** Dead-node elimination: the nodes the roots depend on, in topological (creation) order. */
import type { Node } from '../graph/node.js';

export function eliminateDeadNodes(roots: readonly Node[]): Node[] {
  const seen = new Set<Node>();
  const stack = [...roots];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    for (const x of n.inputs) stack.push(x);
  }
  return [...seen].sort((a, b) => a.id - b.id);
}
