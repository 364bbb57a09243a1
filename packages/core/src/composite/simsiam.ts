/**
 * SimSiam's loss (Chen & He, "Exploring Simple Siamese Representation Learning", CVPR 2021) from primitive ops:
 * the negative cosine similarity between each view's prediction and the other view's projection, the projection
 * behind stop_gradient. Semantics are the reference implementation's (facebookresearch/simsiam, main_simsiam.py):
 * `criterion = nn.CosineSimilarity(dim=1)`, `loss = -(criterion(p1, z2).mean() + criterion(p2, z1).mean()) * 0.5`,
 * with z1, z2 detached in the model. It builds no projector or predictor (those are modules in @dogo/nn).
 */
import { ops } from '../graph/builder.js';
import type { Node } from '../graph/node.js';
import { ShapeError } from '../errors.js';
import { formatShape } from '../shape.js';

/**
 * Row-wise cosine similarity of two [N,D] tensors, [N,D] -> [N], as torch.nn.functional.cosine_similarity(dim=1):
 * x·y / sqrt(max(||x||²·||y||², eps²)), i.e. x·y / max(||x||·||y||, eps).
 */
export function cosineSimilarity(a: Node, b: Node, eps = 1e-8): Node {
  if (a.rank !== 2 || a.shape.join() !== b.shape.join()) {
    throw new ShapeError(`cosine_similarity: inputs must be two [N,D] tensors of one shape, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  }
  const dot = ops.sum(ops.mul(a, b), [1]);
  const norms2 = ops.mul(ops.sum(ops.square(a), [1]), ops.sum(ops.square(b), [1]));
  return ops.div(dot, ops.sqrt(ops.maximum(norms2, eps * eps)));
}

/**
 * SimSiam's symmetric loss, [1]: -(mean_i cos(p1_i, sg(z2_i)) + mean_i cos(p2_i, sg(z1_i))) / 2.
 * p1, p2: predictor outputs of views 1 and 2; z1, z2: projector outputs (no gradient reaches them). All [N,D].
 */
export function simsiamLoss(p1: Node, p2: Node, z1: Node, z2: Node, eps = 1e-8): Node {
  const shapes = [p1, p2, z1, z2].map((t) => formatShape(t.shape));
  if (p1.rank !== 2 || new Set(shapes).size !== 1) {
    throw new ShapeError(`simsiam: p1, p2, z1, z2 must be four [N,D] tensors of one shape, got ${shapes.join(', ')}`);
  }
  const c1 = ops.mean(cosineSimilarity(p1, ops.stopGradient(z2), eps));
  const c2 = ops.mean(cosineSimilarity(p2, ops.stopGradient(z1), eps));
  return ops.reshape(ops.mul(ops.add(c1, c2), -0.5), [1]);
}
