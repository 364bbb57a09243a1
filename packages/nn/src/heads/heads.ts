/**
 * Heads on pooled encoder features. Public. ProjectionHead is DoGo's (and SimCLR's) MLP; LinearClassifier is the
 * linear-evaluation layer. Both keep torch.nn names: the head is a Sequential (`0.weight`, `1.running_mean`,
 * `3.bias`), the classifier a Linear (`weight`, `bias`), so `student.head.0.weight` in a cohort.
 */
import { Linear } from '../layers/linear.js';
import { BatchNorm1d } from '../layers/batch_norm.js';
import { ReLU } from '../layers/relu.js';
import { Sequential } from '../layers/sequential.js';

/** Linear(in -> hidden, no bias), BatchNorm1d(hidden), ReLU, Linear(hidden -> out): features [N,in] -> [N,out]. */
export class ProjectionHead extends Sequential {
  constructor(readonly inDim: number, readonly hiddenDim = 512, readonly outDim = 128) {
    super(new Linear(inDim, hiddenDim, false), new BatchNorm1d(hiddenDim), new ReLU(), new Linear(hiddenDim, outDim));
  }
}

/** One Linear layer with bias: features [N,in] -> logits [N,numClasses]. */
export class LinearClassifier extends Linear {
  constructor(readonly inDim: number, readonly numClasses: number) {
    super(inDim, numClasses, true);
  }
}
