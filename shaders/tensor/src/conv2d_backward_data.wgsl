// conv2d_backward_data: dx = d(conv2d)/dx applied to dy, NCHW, weight [c_out, c_in, kh, kw]. Implicit
// GEMM C[c_in, batch*h*w] = weightT[c_in, c_out*kh*kw] · taps[c_out*kh*kw, batch*h*w], where the tap
// (co, ky, kx) of input pixel (iy, ix) reads dy[co, oy, ox] with oy = (iy + pad_h - ky*dil_h) / stride_h
// when that division is exact and in range, else 0. With stride s, (s*s - 1)/(s*s) of the taps are
// zero (work a stride-phase split would skip). Main loop: gemm_tiled.wgsl.
// Bindings (group 0): 0 params (uniform Params), 1 dy (read), 2 weight (read), 3 dx (read_write).
// Workgroup size: gemm_tiled. Dispatch: (ceil(batch*h*w / TILE_N), ceil(c_in / TILE_M), 1).
// Template parameters: the gemm_tiled tiling parameters only.

struct Params {
  m: u32,
  n: u32,
  k: u32,
  batch: u32,
  c_in: u32,
  h: u32,
  w: u32,
  c_out: u32,
  oh: u32,
  ow: u32,
  kh: u32,
  kw: u32,
  stride_h: u32,
  stride_w: u32,
  pad_h: u32,
  pad_w: u32,
  dil_h: u32,
  dil_w: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> weight: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

fn load_a(batch: u32, row: u32, kk: u32) -> f32 {
  if (row >= params.m || kk >= params.k) { return 0.0; }
  let khw = params.kh * params.kw;
  let co = kk / khw;
  let r = kk - co * khw;
  return weight[(co * params.c_in + row) * khw + r];
}

fn load_b(batch: u32, kk: u32, col: u32) -> f32 {
  if (kk >= params.k || col >= params.n) { return 0.0; }
  let khw = params.kh * params.kw;
  let co = kk / khw;
  let r = kk - co * khw;
  let ky = r / params.kw;
  let kx = r - ky * params.kw;
  let hw = params.h * params.w;
  let b = col / hw;
  let s = col - b * hw;
  let iy = s / params.w;
  let ix = s - iy * params.w;
  let ty = i32(iy + params.pad_h) - i32(ky * params.dil_h);
  let tx = i32(ix + params.pad_w) - i32(kx * params.dil_w);
  if (ty < 0 || tx < 0) { return 0.0; }
  let oy = u32(ty) / params.stride_h;
  let ox = u32(tx) / params.stride_w;
  if (oy * params.stride_h != u32(ty) || ox * params.stride_w != u32(tx) || oy >= params.oh || ox >= params.ow) { return 0.0; }
  return dy[((b * params.c_out + co) * params.oh + oy) * params.ow + ox];
}

fn store_c(batch: u32, row: u32, col: u32, v: f32) {
  let hw = params.h * params.w;
  let b = col / hw;
  let s = col - b * hw;
  dx[(b * params.c_in + row) * hw + s] = v;
}
