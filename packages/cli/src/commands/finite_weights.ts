/**
 * The refusal shared by the commands that read trained weights (export, eval, serve): a NaN or infinity in
 * them would give NaN features, kNN votes and exported files, so the command stops before doing anything.
 */
import { NonFiniteStateError, findNonFiniteTensor } from '@dogo/ssl';

const HINT = 'resume from an earlier checkpoint (--keep-checkpoints, --resume-from) with a lower learning rate';

/**
 * Throws NonFiniteStateError if any of `weights` holds a NaN or infinity: "`source` holds non-finite weights
 * (the tensor, the value and where); `nothingDone`; the hint".
 */
export function refuseNonFiniteWeights(source: string, weights: Readonly<Record<string, Float32Array>>, nothingDone: string): void {
  const bad = findNonFiniteTensor(Object.fromEntries(Object.entries(weights).map(([k, data]) => [k, { data }])));
  if (bad) throw new NonFiniteStateError(`${source} holds non-finite weights (${bad}); ${nothingDone}; ${HINT}`);
}
