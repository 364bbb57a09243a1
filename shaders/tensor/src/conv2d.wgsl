// conv2d: y = conv(x, weight) (+ bias[c_out]) (then ReLU), NCHW activations, weight [c_out, c_in, kh, kw],
// stride, zero padding and dilation per axis. Implicit GEMM, no im2col buffer: the GEMM
// C[c_out, batch*oh*ow] = weight[c_out, c_in*kh*kw] · patches[c_in*kh*kw, batch*oh*ow], where load_b
// computes the patch element from x on the fly (0 in the padding). Main loop: gemm_tiled.wgsl.
// Bindings (group 0): 0 params (uniform Params), 1 x (read), 2 weight (read), 3 y (read_write),
//   4 bias (read, length c_out; only when HAS_BIAS).
// Workgroup size: gemm_tiled. Dispatch: (ceil(batch*oh*ow / TILE_N), ceil(c_out / TILE_M), 1).
// Template parameters: HAS_BIAS, RELU (bool) plus the gemm_tiled tiling parameters.

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
  k_split: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> weight: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
//#if HAS_BIAS
@group(0) @binding(4) var<storage, read> bias: array<f32>;
//#endif

fn load_a(batch: u32, row: u32, kk: u32) -> f32 {
  if (row >= params.m || kk >= params.k) { return 0.0; }
  return weight[row * params.k + kk];
}

fn load_b(batch: u32, kk: u32, col: u32) -> f32 {
  if (kk >= params.k || col >= params.n) { return 0.0; }
  let khw = params.kh * params.kw;
  let ci = kk / khw;
  let r = kk - ci * khw;
  let ky = r / params.kw;
  let kx = r - ky * params.kw;
  let ohw = params.oh * params.ow;
  let b = col / ohw;
  let s = col - b * ohw;
  let oy = s / params.ow;
  let ox = s - oy * params.ow;
  let iy = i32(oy * params.stride_h + ky * params.dil_h) - i32(params.pad_h);
  let ix = i32(ox * params.stride_w + kx * params.dil_w) - i32(params.pad_w);
  if (iy < 0 || ix < 0 || iy >= i32(params.h) || ix >= i32(params.w)) { return 0.0; }
  return x[((b * params.c_in + ci) * params.h + u32(iy)) * params.w + u32(ix)];
}

fn store_c(batch: u32, row: u32, col: u32, v: f32) {
  let ohw = params.oh * params.ow;
  let b = col / ohw;
  let s = col - b * ohw;
  var r = v;
//#if HAS_BIAS
  r += bias[row];
//#endif
//#if RELU
  r = max(r, 0.0);
//#endif
  y[(b * params.c_out + row) * ohw + s] = r;
}
