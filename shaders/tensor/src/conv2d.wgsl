// conv2d: y = conv(x, weight), NCHW activations, weight [c_out, c_in, kh, kw],
// stride, zero padding and dilation per axis. Implicit GEMM, no im2col buffer: the GEMM
// C[c_out, batch*oh*ow] = weight[c_out, c_in*kh*kw] · patches[c_in*kh*kw, batch*oh*ow], where load_b
// computes the patch element from x on the fly (0 in the padding). Params: conv2d_params.wgsl. Main loop:
// gemm_tiled.wgsl.
// Bindings (group 0): 0 params (uniform Params), 1 x (read), 2 weight (read), 3 y (read_write).
// Workgroup size: gemm_tiled. Dispatch: (ceil(batch*oh*ow / TILE_N), ceil(c_out / TILE_M), 1).
// Template parameters: the gemm_tiled tiling parameters.

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> weight: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

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
  y[(b * params.c_out + row) * ohw + s] = v;
}
