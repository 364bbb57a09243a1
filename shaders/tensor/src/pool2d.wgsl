// pool2d: max or average pooling over kh x kw windows, NCHW, stride and zero padding, one output
// element per thread. MAX: padding counts as -inf and the first maximum (row-major) wins; AVG: padding
// counts as zero and is included in the divisor kh*kw (PyTorch count_include_pad=True).
// Bindings (group 0): 0 params (uniform Params), 1 x (read), 2 y (read_write).
// Workgroup size: (WG_SIZE, 1, 1). Dispatch: ceil(n*c*oh*ow / WG_SIZE) workgroups split over x, y (dispatch1d).
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
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

const WG_SIZE: u32 = {{WG_SIZE}}u;
const MAX: bool = {{MAX}};
const LOWEST: f32 = -3.4028234663852886e38;

@compute @workgroup_size(WG_SIZE, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * WG_SIZE + gid.x;
  if (i >= params.count) { return; }
  let ohw = params.oh * params.ow;
  let plane = i / ohw;
  let s = i - plane * ohw;
  let oy = s / params.ow;
  let ox = s - oy * params.ow;
  let base = plane * params.h * params.w;
  var acc = select(0.0, LOWEST, MAX);
  for (var ky = 0u; ky < params.kh; ky++) {
    let iy = i32(oy * params.stride_h + ky) - i32(params.pad_h);
    if (iy < 0 || iy >= i32(params.h)) { continue; }
    for (var kx = 0u; kx < params.kw; kx++) {
      let ix = i32(ox * params.stride_w + kx) - i32(params.pad_w);
      if (ix < 0 || ix >= i32(params.w)) { continue; }
      let v = x[base + u32(iy) * params.w + u32(ix)];
      if (MAX) { acc = max(acc, v); } else { acc += v; }
    }
  }
  if (!MAX) { acc = acc / f32(params.kh * params.kw); }
  y[i] = acc;
}
