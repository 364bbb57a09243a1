// conv2d_backward_weight: dweight = d(conv2d)/dweight applied to dy, NCHW, dweight [c_out, c_in, kh, kw].
// Implicit GEMM C[c_out, c_in*kh*kw] = dy[c_out, batch*oh*ow] · patches[batch*oh*ow, c_in*kh*kw], the
// patch element computed from x on the fly (0 in the padding). The reduction over batch*oh*ow is long
// and C small, so the launch is usually split-K (gemm_tiled.wgsl): split s writes its partial dweight
// at dweight[s * c_out*c_in*kh*kw ...] and a sum over the splits (a reduce launch) finishes it; with one
// split this is dweight itself. Params: conv2d_params.wgsl. Main loop: gemm_tiled.wgsl.
// Bindings (group 0): 0 params (uniform Params), 1 x (read), 2 dy (read), 3 dweight (read_write; splits
//   x c_out*c_in*kh*kw elements).
// Workgroup size: gemm_tiled. Dispatch: (ceil(c_in*kh*kw / TILE_N), ceil(c_out / TILE_M), splits).
// Template parameters: the gemm_tiled tiling parameters and SPLIT_K.

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> dweight: array<f32>;

fn load_a(batch: u32, row: u32, kk: u32) -> f32 {
  if (row >= params.m || kk >= params.k) { return 0.0; }
  let ohw = params.oh * params.ow;
  let b = kk / ohw;
  let s = kk - b * ohw;
  return dy[(b * params.c_out + row) * ohw + s];
}

fn load_b(batch: u32, kk: u32, col: u32) -> f32 {
  if (kk >= params.k || col >= params.n) { return 0.0; }
  let ohw = params.oh * params.ow;
  let b = kk / ohw;
  let s = kk - b * ohw;
  let oy = s / params.ow;
  let ox = s - oy * params.ow;
  let khw = params.kh * params.kw;
  let ci = col / khw;
  let r = col - ci * khw;
  let ky = r / params.kw;
  let kx = r - ky * params.kw;
  let iy = i32(oy * params.stride_h + ky * params.dil_h) - i32(params.pad_h);
  let ix = i32(ox * params.stride_w + kx * params.dil_w) - i32(params.pad_w);
  if (iy < 0 || ix < 0 || iy >= i32(params.h) || ix >= i32(params.w)) { return 0.0; }
  return x[((b * params.c_in + ci) * params.h + u32(iy)) * params.w + u32(ix)];
}

fn store_c(batch: u32, row: u32, col: u32, v: f32) {
  dweight[(batch * params.m + row) * params.n + col] = v;
}
