/**
 * SimSiam's heads (Chen & He, CVPR 2021), as its reference implementation builds them (facebookresearch/simsiam,
 * simsiam/builder.py). Public. Both are Sequentials, so state-dict names are the reference's indices:
 *
 * - projector (the reference's `encoder.fc`): `0` Linear(in -> hidden, no bias), `1` BatchNorm1d, `2` ReLU,
 *   `3` Linear(hidden -> hidden, no bias), `4` BatchNorm1d, `5` ReLU, `6` Linear(hidden -> out, no bias),
 *   `7` BatchNorm1d(out, affine=False): names `0.weight`, `1.weight` ... `6.weight`, `7.running_mean`,
 *   `7.running_var`.
 * - predictor (the reference's `predictor`): `0` Linear(out -> pred, no bias), `1` BatchNorm1d, `2` ReLU,
 *   `3` Linear(pred -> out) with bias: `0.weight`, `1.*`, `3.weight`, `3.bias`.
 *
 * One deliberate difference: the reference keeps the original `fc` as layer 6, with a bias it freezes
 * (`requires_grad = False`) because BN follows; here layer 6 has no bias. To import reference weights, drop
 * `6.bias` and fold it into the next running mean (`7.running_mean -= 6.bias`); outputs are then identical.
 * It builds no loss (core's `simsiamLoss`) and no stop_gradient (the loss applies it to z).
 */
import { Linear } from '../layers/linear.js';
import { BatchNorm1d } from '../layers/batch_norm.js';
import { ReLU } from '../layers/relu.js';
import { Sequential } from '../layers/sequential.js';

/** SimSiam's projection dimension (`--dim`) at width multiplier 1. */
export const SIMSIAM_DIM = 2048;
/** SimSiam's predictor bottleneck (`--pred-dim`) at width multiplier 1. */
export const SIMSIAM_PRED_DIM = 512;

/**
 * BatchNorm1d(c, affine=False) as torch.nn: batch statistics in training (running statistics updated as the
 * affine one does), running statistics in evaluation, no weight or bias. Buffers `running_mean`, `running_var`.
 */
export class NonAffineBatchNorm1d extends BatchNorm1d {
  constructor(numFeatures: number, eps = 1e-5, momentum = 0.1) {
    super(numFeatures, eps, momentum, false);
  }
}

export interface SimSiamHeadOptions {
  /** Scales the default output and predictor widths with the encoder's width (default 1: 2048 and 512). */
  widthMultiplier?: number;
  /** Projection dimension (`--dim`); default max(1, round(2048 × widthMultiplier)). */
  outDim?: number;
  /** Projector hidden width; default the encoder's feature width, as the reference (`prev_dim`). */
  hiddenDim?: number;
  /** Predictor bottleneck (`--pred-dim`); default max(1, round(outDim / 4)), 512 for 2048. */
  predDim?: number;
}

/** The widths `simsiamHeads` uses for an encoder with `inDim` features, after defaults. */
export function simsiamHeadDims(inDim: number, o: SimSiamHeadOptions = {}): { hiddenDim: number; outDim: number; predDim: number } {
  const m = o.widthMultiplier ?? 1;
  if (!(m > 0)) throw new RangeError(`simsiamHeads: widthMultiplier ${m} must be positive`);
  const outDim = o.outDim ?? Math.max(1, Math.round(SIMSIAM_DIM * m));
  const dims = { hiddenDim: o.hiddenDim ?? inDim, outDim, predDim: o.predDim ?? Math.max(1, Math.round(outDim / 4)) };
  for (const [k, v] of Object.entries({ inDim, ...dims })) {
    if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`simsiamHeads: ${k} ${v} must be a positive integer`);
  }
  return dims;
}

/** Three Linear-BN layers, ReLU between, the last BN without affine: features [N,in] -> projections z [N,out]. */
export class SimSiamProjector extends Sequential {
  constructor(readonly inDim: number, readonly hiddenDim = inDim, readonly outDim = SIMSIAM_DIM) {
    super(
      new Linear(inDim, hiddenDim, false), new BatchNorm1d(hiddenDim), new ReLU(),
      new Linear(hiddenDim, hiddenDim, false), new BatchNorm1d(hiddenDim), new ReLU(),
      new Linear(hiddenDim, outDim, false), new NonAffineBatchNorm1d(outDim),
    );
  }
}

/** Linear(dim -> pred, no bias), BatchNorm1d(pred), ReLU, Linear(pred -> dim): projections z [N,dim] -> p [N,dim]. */
export class SimSiamPredictor extends Sequential {
  constructor(readonly dim = SIMSIAM_DIM, readonly predDim = SIMSIAM_PRED_DIM) {
    super(new Linear(dim, predDim, false), new BatchNorm1d(predDim), new ReLU(), new Linear(predDim, dim));
  }
}

/**
 * SimSiam's projector and predictor for an encoder with `inDim` pooled features. Put them under prefixes such as
 * `encoder.fc.` and `predictor.` to get the reference's full names.
 */
export function simsiamHeads(inDim: number, options: SimSiamHeadOptions = {}): { projector: SimSiamProjector; predictor: SimSiamPredictor } {
  const d = simsiamHeadDims(inDim, options);
  return { projector: new SimSiamProjector(inDim, d.hiddenDim, d.outDim), predictor: new SimSiamPredictor(d.outDim, d.predDim) };
}
