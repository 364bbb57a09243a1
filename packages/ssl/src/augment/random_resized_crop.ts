/**
 * Host-side sampling of SimCLR's per-sample augmentation parameters, drawn from a seeded Rng and uploaded
 * with the batch; the pixels are transformed on the device by the resized_crop op. The crop follows
 * torchvision's RandomResizedCrop.get_params (ten tries, then a centred fallback crop).
 */
import type { Rng } from '@dogo/core';

export interface CropOptions {
  /** Area fraction range (default [0.08, 1]). */
  scale?: readonly [number, number];
  /** Aspect ratio range (default [3/4, 4/3]). */
  ratio?: readonly [number, number];
  /** Horizontal flip probability (default 0.5). */
  flip?: number;
}

/** One crop box: top, left, height, width in pixels. */
export function sampleCropBox(rng: Rng, height: number, width: number, scale: readonly [number, number], ratio: readonly [number, number]): [number, number, number, number] {
  const area = height * width;
  const logLo = Math.log(ratio[0]);
  const logHi = Math.log(ratio[1]);
  for (let attempt = 0; attempt < 10; attempt++) {
    const target = area * (scale[0] + (scale[1] - scale[0]) * rng.uniform());
    const aspect = Math.exp(logLo + (logHi - logLo) * rng.uniform());
    const w = Math.round(Math.sqrt(target * aspect));
    const h = Math.round(Math.sqrt(target / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      return [rng.int(height - h + 1), rng.int(width - w + 1), h, w];
    }
  }
  const inRatio = width / height;
  let w: number;
  let h: number;
  if (inRatio < ratio[0]) {
    w = width;
    h = Math.round(w / ratio[0]);
  } else if (inRatio > ratio[1]) {
    h = height;
    w = Math.round(h * ratio[1]);
  } else {
    w = width;
    h = height;
  }
  return [Math.floor((height - h) / 2), Math.floor((width - w) / 2), h, w];
}

/** Boxes [n, 5] = (top, left, height, width, flip) for one view of a batch. */
export function sampleCropBoxes(rng: Rng, n: number, height: number, width: number, o: CropOptions = {}, out: Float32Array<ArrayBufferLike> = new Float32Array(n * 5)): Float32Array<ArrayBufferLike> {
  const scale = o.scale ?? [0.08, 1];
  const ratio = o.ratio ?? [3 / 4, 4 / 3];
  const flip = o.flip ?? 0.5;
  for (let i = 0; i < n; i++) {
    const [t, l, h, w] = sampleCropBox(rng, height, width, scale, ratio);
    out.set([t, l, h, w, rng.uniform() < flip ? 1 : 0], i * 5);
  }
  return out;
}

/** Boxes that keep every image whole and unflipped (evaluation). */
export function identityBoxes(n: number, height: number, width: number): Float32Array {
  const out = new Float32Array(n * 5);
  for (let i = 0; i < n; i++) out.set([0, 0, height, width, 0], i * 5);
  return out;
}
