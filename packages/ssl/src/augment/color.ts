/**
 * Colour augmentation of SimCLR, as graph ops on images scaled to [0, 1]: colour jitter (brightness,
 * contrast, saturation, hue) and random grayscale, each sample with its own factors from `params` [N, 6] =
 * (brightness, contrast, saturation, cos and sin of the hue angle, gray 0|1), drawn on the host.
 * One-channel (grayscale) images get what torchvision's ColorJitter and RandomGrayscale do to them:
 * brightness and contrast only (saturation, hue and grayscale leave one channel unchanged). Without that
 * intensity jitter, SimCLR on grayscale data matches two crops by their brightness and contrast, a shortcut
 * that lowers the kNN accuracy of the features as training goes on.
 * Differences from torchvision, on purpose: the four jitter steps run in a fixed order (torchvision
 * permutes them per call), and hue is a rotation of the chroma plane in YIQ space (torchvision converts to
 * HSV), which keeps the whole transform a few pointwise ops and one 3x3 mix per sample.
 */
import { ops, type Node, type Rng } from '@dogo/core';

/** ITU-R 601 luma weights, as torchvision's rgb_to_grayscale. */
const LUMA = [0.299, 0.587, 0.114] as const;

function clamp01(x: Node): Node {
  return ops.minimum(ops.maximum(x, 0), 1);
}

/** Per-sample column k of params as [N, 1, 1, 1]. */
function column(params: Node, k: number): Node {
  const n = params.shape[0]!;
  return ops.reshape(ops.slice(params, [0, k], [n, 1]), [n, 1, 1, 1]);
}

function gray(x: Node): Node {
  const g = x.graph;
  return ops.sum(ops.mul(x, g.constant([...LUMA], [1, 3, 1, 1])), [1], true);
}

/** The inverse of a 3x3 matrix (the exact YIQ -> RGB matrix, so a zero rotation is the identity). */
function invert3(m: number[][]): number[][] {
  const [a, b, c] = m as [number[], number[], number[]];
  const cof = (r1: number[], r2: number[]) => [r1[1]! * r2[2]! - r1[2]! * r2[1]!, r1[2]! * r2[0]! - r1[0]! * r2[2]!, r1[0]! * r2[1]! - r1[1]! * r2[0]!];
  const c0 = cof(b, c), c1 = cof(c, a), c2 = cof(a, b);
  const det = a[0]! * c0[0]! + a[1]! * c0[1]! + a[2]! * c0[2]!;
  return [0, 1, 2].map((i) => [c0[i]! / det, c1[i]! / det, c2[i]! / det]);
}

/** Hue rotation in YIQ space by the angle whose cosine and sine are given per sample ([N]). */
function rotateHue(x: Node, cos: Node, sin: Node): Node {
  const g = x.graph;
  const n = x.shape[0]!;
  const [h, w] = [x.shape[2]!, x.shape[3]!];
  // RGB -> YIQ -> rotate IQ by theta -> RGB: M(theta) = T⁻¹ R(theta) T, written as A + cos·B + sin·C.
  const T = [[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]];
  const Ti = invert3(T);
  const mat = (f: (i: number, k: number) => number) => Array.from({ length: 9 }, (_, e) => f(Math.floor(e / 3), e % 3));
  const A = mat((i, k) => Ti[i]![0]! * T[0]![k]!);
  const B = mat((i, k) => Ti[i]![1]! * T[1]![k]! + Ti[i]![2]! * T[2]![k]!);
  const C = mat((i, k) => Ti[i]![2]! * T[1]![k]! - Ti[i]![1]! * T[2]![k]!);
  const per = (v: Node) => ops.reshape(v, [n, 1, 1]);
  const m = ops.add(ops.add(g.constant(A, [1, 3, 3]), ops.mul(per(cos), g.constant(B, [1, 3, 3]))), ops.mul(per(sin), g.constant(C, [1, 3, 3])));
  // y[n, i, p] = sum_k m[n, i, k] x[n, k, p]
  const xs = ops.reshape(x, [n, 1, 3, h * w]);
  const y = ops.sum(ops.mul(ops.reshape(m, [n, 3, 3, 1]), xs), [2]);
  return ops.reshape(y, [n, 3, h, w]);
}

/**
 * Colour jitter then random grayscale on x [N,3,H,W] in [0,1]; params [N,6] as described above. For x [N,1,H,W]
 * only brightness and contrast (the other columns of params are read by nothing).
 */
export function colorAugment(x: Node, params: Node): Node {
  const c = x.shape[1];
  if (c !== 1 && c !== 3) throw new RangeError(`colorAugment needs 1 or 3 channels, got ${c}`);
  let y = clamp01(ops.mul(x, column(params, 0)));
  const mean = ops.mean(c === 1 ? y : gray(y), [1, 2, 3], true);
  y = clamp01(ops.add(ops.mul(ops.sub(y, mean), column(params, 1)), mean));
  // Saturation, hue and grayscale leave a single channel as it is.
  if (c === 1) return y;
  const gy = gray(y);
  y = clamp01(ops.add(ops.mul(ops.sub(y, gy), column(params, 2)), gy));
  y = clamp01(rotateHue(y, column(params, 3), column(params, 4)));
  const g = column(params, 5);
  return ops.add(ops.mul(ops.broadcastTo(gray(y), y.shape), g), ops.mul(y, ops.sub(1, g)));
}

export interface ColorOptions {
  /** Jitter strengths (default SimCLR's 0.8, 0.8, 0.8, 0.2), applied with probability `p` (default 0.8). */
  brightness?: number;
  contrast?: number;
  saturation?: number;
  hue?: number;
  p?: number;
  /** Grayscale probability (default 0.2). */
  grayscale?: number;
}

/** Per-sample colour parameters [n, 6]. The hue factor (a fraction of a turn) becomes its cosine and sine. */
export function sampleColorParams(rng: Rng, n: number, o: ColorOptions = {}, out: Float32Array<ArrayBufferLike> = new Float32Array(n * 6)): Float32Array<ArrayBufferLike> {
  const b = o.brightness ?? 0.8, c = o.contrast ?? 0.8, s = o.saturation ?? 0.8, h = o.hue ?? 0.2;
  const range = (r: number) => 1 - r + 2 * r * rng.uniform();
  for (let i = 0; i < n; i++) {
    const jitter = rng.uniform() < (o.p ?? 0.8);
    const angle = jitter ? (2 * rng.uniform() - 1) * h * 2 * Math.PI : 0;
    const row = jitter ? [Math.max(0, range(b)), Math.max(0, range(c)), Math.max(0, range(s))] : [1, 1, 1];
    out.set([...row, Math.cos(angle), Math.sin(angle), rng.uniform() < (o.grayscale ?? 0.2) ? 1 : 0], i * 6);
  }
  return out;
}
