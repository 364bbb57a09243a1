/**
 * Common-subexpression elimination: nodes with the same op, attributes and (canonical) inputs compute the
 * same value, so all map to the first. Impure leaves (inputs, state) and constants with data are never merged.
 */
import type { Node } from '../graph/node.js';
import { getOp } from '../ops/registry.js';
import type { AttrValue } from '../ops/op_def.js';

// JSON writes Infinity, -Infinity and NaN all as null (and -0 as 0), which would merge fill(Infinity) with
// fill(-Infinity); such numbers are keyed by their String() form instead.
function numberKey(_key: string, x: unknown): unknown {
  if (typeof x !== 'number') return x;
  if (Object.is(x, -0)) return '-0';
  return Number.isFinite(x) ? x : String(x);
}

function attrKey(v: AttrValue): string {
  if (v instanceof Float32Array || v instanceof Int32Array) return '';
  return JSON.stringify(v, numberKey) ?? 'undefined';
}

/** Maps every node (in topological order) to its canonical representative. */
export function eliminateCommonSubexpressions(nodes: readonly Node[]): Map<Node, Node> {
  const canonical = new Map<Node, Node>();
  const byKey = new Map<string, Node>();
  for (const n of nodes) {
    const def = getOp(n.op);
    if (def.impure || n.op === 'constant') {
      canonical.set(n, n);
      continue;
    }
    const ins = n.inputs.map((x) => (canonical.get(x) ?? x).id).join(',');
    const attrs = Object.keys(n.attrs).sort().map((k) => `${k}=${attrKey(n.attrs[k])}`).join(';');
    const key = `${n.op}(${ins})[${attrs}]${n.dtype}${n.shape.join('x')}`;
    const prev = byKey.get(key);
    if (prev) canonical.set(n, prev);
    else {
      byKey.set(key, n);
      canonical.set(n, n);
    }
  }
  return canonical;
}
