/**
 * Per-sample crop-and-resize, the core of RandomResizedCrop: torchvision's resized_crop (bilinear,
 * align_corners=False, no antialias), then an optional horizontal flip. Each sample's box comes from
 * `boxes` [N, 5] = (top, left, height, width, flip 0|1), drawn on the host and uploaded with the batch.
 * Pixels of a box outside the image read as zero. Not differentiable (augmentation only).
 */
import { formatShape } from '../../shape.js';
import { defineOp, ShapeRuleError } from '../op_def.js';

export const resized_crop = defineOp<{ size: readonly number[] }>({
  arity: 2,
  zeroGradient: true,
  shape: ([x, boxes], a) => {
    if (x!.shape.length !== 4 || x!.dtype !== 'float32') throw new ShapeRuleError(`x must be float32 [N,C,H,W], got ${x!.dtype}${formatShape(x!.shape)}`);
    if (boxes!.shape.length !== 2 || boxes!.shape[0] !== x!.shape[0] || boxes!.shape[1] !== 5) {
      throw new ShapeRuleError(`boxes must be [N,5] (top, left, height, width, flip) with N=${x!.shape[0]}, got ${formatShape(boxes!.shape)}`);
    }
    if (a.size.length !== 2 || a.size.some((s) => !Number.isInteger(s) || s < 1)) throw new ShapeRuleError(`size must be [height, width], got [${a.size.join(',')}]`);
    return { shape: [x!.shape[0]!, x!.shape[1]!, a.size[0]!, a.size[1]!], dtype: 'float32' };
  },
  reference: ([x, boxes], { attrs, inputTypes }) => {
    const [n, c, h, w] = inputTypes[0]!.shape as [number, number, number, number];
    const [oh, ow] = attrs.size as [number, number];
    const y = new Float64Array(n * c * oh * ow);
    const at = (plane: number, r: number, q: number) => (r < 0 || r >= h || q < 0 || q >= w ? 0 : x![plane * h * w + r * w + q]!);
    for (let b = 0; b < n; b++) {
      const top = boxes![b * 5]!, left = boxes![b * 5 + 1]!, bh = boxes![b * 5 + 2]!, bw = boxes![b * 5 + 3]!, flip = boxes![b * 5 + 4]! > 0.5;
      const sy = bh / oh, sx = bw / ow;
      for (let ch = 0; ch < c; ch++) {
        const plane = b * c + ch;
        for (let oy = 0; oy < oh; oy++) {
          const fy = Math.max(sy * (oy + 0.5) - 0.5, 0);
          const y0 = Math.floor(fy);
          const y1 = y0 < bh - 1 ? y0 + 1 : y0;
          const ly = fy - y0;
          for (let ox = 0; ox < ow; ox++) {
            const fx = Math.max(sx * (ox + 0.5) - 0.5, 0);
            const x0 = Math.floor(fx);
            const x1 = x0 < bw - 1 ? x0 + 1 : x0;
            const lx = fx - x0;
            const v =
              (1 - ly) * ((1 - lx) * at(plane, top + y0, left + x0) + lx * at(plane, top + y0, left + x1)) +
              ly * ((1 - lx) * at(plane, top + y1, left + x0) + lx * at(plane, top + y1, left + x1));
            y[(plane * oh + oy) * ow + (flip ? ow - 1 - ox : ox)] = v;
          }
        }
      }
    }
    return y;
  },
});
