// resized_crop: per-sample crop and resize (torchvision resized_crop: bilinear, align_corners=False, no
// antialias) with an optional horizontal flip, matching the core reference (ops/image/resized_crop.ts).
// x [n, c, h, w] float32; boxes [n, 5] = (top, left, height, width, flip) with integral top/left/height/width
// and flip > 0.5 meaning flipped; y [n, c, oh, ow]. Source pixels outside the image read as 0.
// For output column p the source column index is ox = flip ? ow-1-p : p; then
// fx = max(sx*(ox+0.5)-0.5, 0), x0 = floor(fx), x1 = x0+1 if x0 < width-1 else x0, lx = fx - x0, sx = width/ow
// (rows the same way), and y = (1-ly)((1-lx)v00 + lx v01) + ly((1-lx)v10 + lx v11).
// Bindings (group 0): 0 params (uniform Params), 1 x (read), 2 boxes (read), 3 y (read_write).
// Workgroup size: (WG_SIZE, 1, 1), one output element per thread.
// Dispatch: ceil(n*c*oh*ow / WG_SIZE) workgroups split over x and y (dispatch1d).
// Template parameters: WG_SIZE (u32).

struct Params {
  count: u32,
  c: u32,
  h: u32,
  w: u32,
  oh: u32,
  ow: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> boxes: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

const WG_SIZE: u32 = {{WG_SIZE}}u;

fn pixel(plane: u32, r: i32, q: i32) -> f32 {
  if (r < 0 || q < 0 || r >= i32(params.h) || q >= i32(params.w)) { return 0.0; }
  return x[plane * params.h * params.w + u32(r) * params.w + u32(q)];
}

@compute @workgroup_size(WG_SIZE, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * WG_SIZE + gid.x;
  if (i >= params.count) { return; }
  let p = i % params.ow;
  let t = i / params.ow;
  let oy = t % params.oh;
  let plane = t / params.oh;
  let b = plane / params.c;
  let top = i32(boxes[b * 5u]);
  let left = i32(boxes[b * 5u + 1u]);
  let bh = boxes[b * 5u + 2u];
  let bw = boxes[b * 5u + 3u];
  let flip = boxes[b * 5u + 4u] > 0.5;
  let ox = select(p, params.ow - 1u - p, flip);
  let sy = bh / f32(params.oh);
  let sx = bw / f32(params.ow);
  let fy = max(sy * (f32(oy) + 0.5) - 0.5, 0.0);
  let fx = max(sx * (f32(ox) + 0.5) - 0.5, 0.0);
  let y0 = floor(fy);
  let x0 = floor(fx);
  let y1 = select(y0, y0 + 1.0, y0 < bh - 1.0);
  let x1 = select(x0, x0 + 1.0, x0 < bw - 1.0);
  let ly = fy - y0;
  let lx = fx - x0;
  let r0 = top + i32(y0);
  let r1 = top + i32(y1);
  let q0 = left + i32(x0);
  let q1 = left + i32(x1);
  let v = (1.0 - ly) * ((1.0 - lx) * pixel(plane, r0, q0) + lx * pixel(plane, r0, q1)) +
          ly * ((1.0 - lx) * pixel(plane, r1, q0) + lx * pixel(plane, r1, q1));
  y[i] = v;
}
