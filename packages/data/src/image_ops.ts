/**
 * Host-side pixel plumbing for readers: channel conversion, resizing and HWC-to-CHW layout on uint8
 * images. Public. Meant for loading data once; training-time augmentation is graph ops, not this.
 */

/** An interleaved (HWC) uint8 image. */
export interface HwcImage {
  readonly data: Uint8Array;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

/** How `resizeHwc` samples: nearest neighbour, or bilinear with half-pixel centres (align_corners=false). */
export type ResizeMode = 'nearest' | 'bilinear';

/**
 * Converts RGBA/RGB/gray HWC pixels to 1 (luma, ITU-R BT.601 weights) or 3 (RGB) channels.
 * Alpha is dropped, not composited.
 */
export function toChannels(img: HwcImage, channels: 1 | 3): HwcImage {
  const n = img.height * img.width;
  const out = new Uint8Array(n * channels);
  const c = img.channels;
  for (let p = 0; p < n; p++) {
    const r = img.data[p * c];
    const g = c >= 3 ? img.data[p * c + 1] : r;
    const b = c >= 3 ? img.data[p * c + 2] : r;
    if (channels === 1) out[p] = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
    else {
      out[p * 3] = r;
      out[p * 3 + 1] = g;
      out[p * 3 + 2] = b;
    }
  }
  return { data: out, height: img.height, width: img.width, channels };
}

/** Resizes an HWC image to `height` x `width`. */
export function resizeHwc(img: HwcImage, height: number, width: number, mode: ResizeMode = 'bilinear'): HwcImage {
  if (img.height === height && img.width === width) return img;
  const c = img.channels;
  const out = new Uint8Array(height * width * c);
  const sy = img.height / height;
  const sx = img.width / width;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * c;
      if (mode === 'nearest') {
        const iy = Math.min(img.height - 1, Math.floor((y + 0.5) * sy));
        const ix = Math.min(img.width - 1, Math.floor((x + 0.5) * sx));
        for (let k = 0; k < c; k++) out[o + k] = img.data[(iy * img.width + ix) * c + k];
        continue;
      }
      const fy = Math.min(img.height - 1, Math.max(0, (y + 0.5) * sy - 0.5));
      const fx = Math.min(img.width - 1, Math.max(0, (x + 0.5) * sx - 0.5));
      const y0 = Math.floor(fy);
      const x0 = Math.floor(fx);
      const y1 = Math.min(img.height - 1, y0 + 1);
      const x1 = Math.min(img.width - 1, x0 + 1);
      const wy = fy - y0;
      const wx = fx - x0;
      for (let k = 0; k < c; k++) {
        const a = img.data[(y0 * img.width + x0) * c + k];
        const b = img.data[(y0 * img.width + x1) * c + k];
        const d = img.data[(y1 * img.width + x0) * c + k];
        const e = img.data[(y1 * img.width + x1) * c + k];
        out[o + k] = Math.round((a * (1 - wx) + b * wx) * (1 - wy) + (d * (1 - wx) + e * wx) * wy);
      }
    }
  }
  return { data: out, height, width, channels: c };
}

/** Writes an HWC image into `out` at `offset` in CHW (planar) order. */
export function writeChw(img: HwcImage, out: Uint8Array, offset: number): void {
  const n = img.height * img.width;
  const c = img.channels;
  for (let k = 0; k < c; k++) {
    const plane = offset + k * n;
    for (let p = 0; p < n; p++) out[plane + p] = img.data[p * c + k];
  }
}
