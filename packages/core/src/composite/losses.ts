/**
 * The self-supervised and distillation losses of DoGo (../../../shared/DOGO.md), from primitive ops:
 * SimCLR's NT-Xent and the DoGo KL term between two models' cross-view similarity distributions.
 */
import { ops } from '../graph/builder.js';
import type { Node } from '../graph/node.js';
import { ShapeError } from '../errors.js';
import { formatShape } from '../shape.js';
import { l2Normalize, logSoftmax } from './nn.js';

function checkPair(op: string, a: Node, b: Node): void {
  if (a.rank !== 2 || a.shape.join() !== b.shape.join()) throw new ShapeError(`${op}: views must be two [N,D] tensors of one shape, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
}

/**
 * NT-Xent over the 2N rows of cat(za, zb): rows L2-normalised, cosine similarities / temperature, the
 * self-similarity excluded, cross entropy toward the row's other view, mean over the 2N rows.
 */
export function ntXent(za: Node, zb: Node, temperature = 0.5): Node {
  checkPair('nt_xent', za, zb);
  const n = za.shape[0]!;
  const m = 2 * n;
  const z = l2Normalize(ops.concat([za, zb], 0));
  const sim = ops.mul(ops.matmul(z, z, { transposeB: true }), 1 / temperature);
  // Constant masks: -1e9 on the diagonal drops self-similarity (exp underflows to exactly 0 in float32);
  // the positive of row i is row (i + N) mod 2N.
  const diag = new Float32Array(m * m);
  const pos = new Float32Array(m * m);
  for (let i = 0; i < m; i++) {
    diag[i * m + i] = -1e9;
    pos[i * m + ((i + n) % m)] = 1;
  }
  const g = za.graph;
  const logp = logSoftmax(ops.add(sim, g.constant(diag, [m, m])));
  return ops.reshape(ops.mul(ops.sum(ops.mul(logp, g.constant(pos, [m, m]))), -1 / m), [1]);
}

/** Cross-view similarity logits of one model: normalize(a) · normalize(b)ᵀ / temperature, [N, N]. */
export function similarityLogits(a: Node, b: Node, temperature: number): Node {
  return ops.mul(ops.matmul(l2Normalize(a), l2Normalize(b), { transposeB: true }), 1 / temperature);
}

export type KlReduction = 'mean' | 'batchmean';

/**
 * DoGo distillation: KL(stop_gradient(P_peer) || P_self), P = row softmax of the cross-view similarities
 * over temperature. za, zb: this model's two views; pa, pb: the peer's (no gradient reaches them).
 * Divided by N*N for `mean` (the released code, PyTorch's kl_div default) or N for `batchmean`.
 */
export function dogoKl(za: Node, zb: Node, pa: Node, pb: Node, temperature = 0.1, reduction: KlReduction = 'mean'): Node {
  checkPair('dogo_kl', za, zb);
  checkPair('dogo_kl', pa, pb);
  if (pa.shape[0] !== za.shape[0]) throw new ShapeError(`dogo_kl: own views have N=${za.shape[0]}, the peer's N=${pa.shape[0]}; both models must see the same batch`);
  const n = za.shape[0]!;
  const logSelf = logSoftmax(similarityLogits(za, zb, temperature));
  const logPeer = ops.stopGradient(logSoftmax(similarityLogits(pa, pb, temperature)));
  const kl = ops.sum(ops.mul(ops.exp(logPeer), ops.sub(logPeer, logSelf)));
  return ops.reshape(ops.mul(kl, 1 / (reduction === 'mean' ? n * n : n)), [1]);
}
