/**
 * The fixed rule for convolution algorithms, used when tuning is off: deterministic, a function of the shape
 * only. Winograd F(4x4, 3x3) for 3x3 stride-1 convolutions (forward, input and weight gradients) with at
 * least 8 channels on both sides (measured 1.5-3.5x faster than im2col on the DoGo step's layers, 28x28 to
 * 7x7 with 32 to 256 channels, on a 2-core Zen 5); im2col otherwise (the 1-channel stem, where the
 * transforms cost more than they save, strided and 1x1 convolutions). Internal.
 */
import { conv2dAlgorithms, type Conv2dAlgorithm, type Conv2dDirection, type Conv2dGeometry } from '../runtime/conv2d.js';

/** Channels below which the rule keeps im2col: the transforms then outweigh the multiplies they save. */
const MIN_WINOGRAD_CHANNELS = 8;

/** The algorithm the fixed rule picks for a convolution. */
export function ruleConvAlgorithm(g: Conv2dGeometry, direction: Conv2dDirection): Conv2dAlgorithm {
  if (!conv2dAlgorithms(g, direction).includes('winograd_f4')) return 'im2col';
  return Math.min(g.c, g.o) >= MIN_WINOGRAD_CHANNELS ? 'winograd_f4' : 'im2col';
}
