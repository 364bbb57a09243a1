/**
 * Drawing for the page: line charts of the loss curves on a <canvas> (one line per model, axes with a few
 * ticks, y range from the data) and the grid of augmented views (uint8 CHW pixels to ImageData).
 */

export interface Series {
  label: string;
  color: string;
  /** (step, value) pairs in step order. */
  points: [number, number][];
}

function niceNumber(v: number): string {
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 100) return v.toFixed(0);
  if (a >= 1) return v.toFixed(2);
  if (a >= 0.01) return v.toFixed(3);
  return v.toExponential(1);
}

/** Redraws `canvas` with every series; steps on x, values on y. */
export function drawLineChart(canvas: HTMLCanvasElement, series: readonly Series[], xMax: number): void {
  const ctx = canvas.getContext('2d')!;
  const { width: W, height: H } = canvas;
  const pad = { l: 54, r: 10, t: 8, b: 24 };
  ctx.clearRect(0, 0, W, H);
  const all = series.flatMap((s) => s.points).filter(([, y]) => Number.isFinite(y));
  ctx.font = '11px system-ui, sans-serif';
  ctx.fillStyle = '#5b6470';
  if (all.length === 0) {
    ctx.fillText('no data yet', W / 2 - 28, H / 2);
    return;
  }
  let lo = Math.min(...all.map(([, y]) => y));
  let hi = Math.max(...all.map(([, y]) => y));
  if (hi - lo < 1e-9) {
    hi += Math.max(1e-3, Math.abs(hi) * 0.05);
    lo -= Math.max(1e-3, Math.abs(lo) * 0.05);
  }
  const x1 = Math.max(1, xMax);
  const px = (x: number) => pad.l + (x / x1) * (W - pad.l - pad.r);
  const py = (y: number) => pad.t + (1 - (y - lo) / (hi - lo)) * (H - pad.t - pad.b);
  ctx.strokeStyle = '#e3e6ea';
  ctx.lineWidth = 1;
  for (let k = 0; k <= 4; k++) {
    const y = lo + ((hi - lo) * k) / 4;
    ctx.beginPath();
    ctx.moveTo(pad.l, py(y));
    ctx.lineTo(W - pad.r, py(y));
    ctx.stroke();
    ctx.fillText(niceNumber(y), 4, py(y) + 4);
  }
  for (let k = 0; k <= 4; k++) {
    const x = Math.round((x1 * k) / 4);
    const label = String(x);
    const w = ctx.measureText(label).width;
    ctx.fillText(label, Math.min(px(x) - w / 2, W - pad.r - w), H - 8);
  }
  for (const s of series) {
    const pts = s.points.filter(([, y]) => Number.isFinite(y));
    if (pts.length === 0) continue;
    ctx.strokeStyle = s.color;
    ctx.fillStyle = s.color;
    const line = (ps: [number, number][]) => {
      ctx.beginPath();
      ps.forEach(([x, y], i) => (i === 0 ? ctx.moveTo(px(x), py(y)) : ctx.lineTo(px(x), py(y))));
      ctx.stroke();
    };
    if (pts.length < 40) {
      ctx.lineWidth = 1.5;
      line(pts);
      for (const [x, y] of pts) ctx.fillRect(px(x) - 1.5, py(y) - 1.5, 3, 3);
      continue;
    }
    // Long runs: the raw losses faint, their running average (EMA over ~1/20 of the run) on top.
    ctx.globalAlpha = 0.25;
    ctx.lineWidth = 1;
    line(pts);
    ctx.globalAlpha = 1;
    ctx.lineWidth = 2;
    const a = 1 / Math.max(2, Math.round(pts.length / 20));
    let m = pts[0]![1];
    line(pts.map(([x, y]) => [x, (m = m + a * (y - m))] as [number, number]));
  }
}

/** Draws [2, count, C, H, W] uint8 views as two rows of `count` images, scaled up `zoom` times. */
export function drawViewGrid(canvas: HTMLCanvasElement, pixels: Uint8Array, count: number, channels: number, height: number, width: number, zoom = 3): void {
  const gap = 2;
  const cols = count;
  const W = cols * (width + gap) - gap;
  const H = 2 * (height + gap) - gap;
  const image = new ImageData(W, H);
  image.data.fill(255);
  const plane = height * width;
  for (let v = 0; v < 2; v++) {
    for (let i = 0; i < count; i++) {
      const base = (v * count + i) * channels * plane;
      const ox = i * (width + gap);
      const oy = v * (height + gap);
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const p = y * width + x;
          const o = ((oy + y) * W + ox + x) * 4;
          const r = pixels[base + p]!;
          image.data[o] = r;
          image.data[o + 1] = channels === 3 ? pixels[base + plane + p]! : r;
          image.data[o + 2] = channels === 3 ? pixels[base + 2 * plane + p]! : r;
          image.data[o + 3] = 255;
        }
      }
    }
  }
  canvas.width = W * zoom;
  canvas.height = H * zoom;
  const ctx = canvas.getContext('2d')!;
  ctx.imageSmoothingEnabled = false;
  const tmp = new OffscreenCanvas(W, H);
  tmp.getContext('2d')!.putImageData(image, 0, 0);
  ctx.drawImage(tmp, 0, 0, W * zoom, H * zoom);
}
