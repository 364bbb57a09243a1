// pool2d_backward: dx for max or average pooling (see pool2d.wgsl), one input element per thread,
// gathering from every output window that covers it (no atomics, deterministic). MAX recomputes each
// covering window's first maximum from x and takes dy where that maximum is this element; AVG adds
// dy / (kh*kw) from every covering window.
// Bindings (group 0): 0 params (uniform Params), 1 dy (read), 2 dx (read_write), 3 x (read; MAX only).
// Workgroup size: (WG_SIZE, 1, 1). Dispatch: ceil(n*c*h*w / WG_SIZE) workgroups split over x, y (dispatch1d).
// Template parameters: MAX (bool; false = average), WG_SIZE (u32).

struct Params {
  count: u32,
  h: u32,
  w: u32,
  oh: u32,
  ow: u32,
  kh: u32,
  kw: u32,
  stride_h: u32,
  stride_w: u32,
  pad_h: u32,
  pad_w: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
//#if MAX
@group(0) @binding(3) var<storage, read> x: array<f32>;
//#endif

const WG_SIZE: u32 = {{WG_SIZE}}u;
const LOWEST: f32 = -3.4028234663852886e38;

//#if MAX
// Flat offset (within the plane) of the first maximum of window (oy, ox).
fn window_argmax(base: u32, oy: u32, ox: u32) -> u32 {
  var best = LOWEST;
  var arg = 0xffffffffu;
  for (var ky = 0u; ky < params.kh; ky++) {
    let iy = i32(oy * params.stride_h + ky) - i32(params.pad_h);
    if (iy < 0 || iy >= i32(params.h)) { continue; }
    for (var kx = 0u; kx < params.kw; kx++) {
      let ix = i32(ox * params.stride_w + kx) - i32(params.pad_w);
      if (ix < 0 || ix >= i32(params.w)) { continue; }
      let off = u32(iy) * params.w + u32(ix);
      let v = x[base + off];
      if (arg == 0xffffffffu || v > best) { best = v; arg = off; }
    }
  }
  return arg;
}
//#endif

@compute @workgroup_size(WG_SIZE, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * WG_SIZE + gid.x;
  if (i >= params.count) { return; }
  let hw = params.h * params.w;
  let plane = i / hw;
  let off = i - plane * hw;
  let iy = off / params.w;
  let ix = off - iy * params.w;
  // Windows oy with oy*stride - pad <= iy < oy*stride - pad + kh.
  let ty = i32(iy + params.pad_h);
  let tx = i32(ix + params.pad_w);
  let oy0 = u32(max(0, (ty - i32(params.kh) + i32(params.stride_h)) / i32(params.stride_h)));
  let ox0 = u32(max(0, (tx - i32(params.kw) + i32(params.stride_w)) / i32(params.stride_w)));
  let oy1 = min(params.oh, u32(ty) / params.stride_h + 1u);
  let ox1 = min(params.ow, u32(tx) / params.stride_w + 1u);
  var acc = 0.0;
  for (var oy = oy0; oy < oy1; oy++) {
    for (var ox = ox0; ox < ox1; ox++) {
      let g = dy[plane * params.oh * params.ow + oy * params.ow + ox];
//#if MAX
      if (window_argmax(plane * hw, oy, ox) == off) { acc += g; }
//#else
      acc += g;
//#endif
    }
  }
//#if !MAX
  acc = acc / f32(params.kh * params.kw);
//#endif
  dx[i] = acc;
}
