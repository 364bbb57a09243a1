/**
 * Launch planning of the moments kernel: per-channel mean and biased variance of x viewed as
 * [outer, channels, inner], channels split between threads once the work repays a dispatch. Kernel
 * contract: tools/wat/moments.mjs.
 */
import { checkSizes, launch, type KernelLaunch, type PlanContext } from './launch.js';
import { splitRange, threadsFor } from './split.js';

/** Elements per thread below which the statistics stay on one thread. */
const MIN_ELEMS_PER_THREAD = 1 << 16;

/** x [outer, channels, inner] in, mean [channels] and variance [channels] out; byte offsets. */
export interface MomentsParams {
  x: number; mean: number; variance: number;
  outer: number; channels: number; inner: number;
}

export function planMoments(ctx: PlanContext, p: MomentsParams): KernelLaunch {
  checkSizes('moments', { outer: p.outer, channels: p.channels, inner: p.inner });
  const T = threadsFor(p.outer * p.channels * p.inner, ctx.threads, MIN_ELEMS_PER_THREAD);
  // four-channel blocks stay on one thread, so rows of [outer, channels] run vectorised
  return launch(ctx, 'moments', splitRange(p.channels, T, p.inner === 1 ? 4 : 1).map(([c0, c1]) =>
    [p.x, p.mean, p.variance, p.outer, p.channels, p.inner, c0, c1]));
}
