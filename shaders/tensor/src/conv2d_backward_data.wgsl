// conv2d_backward_data: dx = d(conv2d)/dx applied to dy, NCHW, weight [c_out, c_in, kh, kw]. Implicit
// GEMM C[c_in, batch*h*w] = weightT[c_in, c_out*kh*kw] · taps[c_out*kh*kw, batch*h*w], where the tap
// (co, ky, kx) of input pixel (iy, ix) reads dy[co, oy, ox] with oy = (iy + pad_h - ky*dil_h) / stride_h
// when that division is exact and in range, else 0. Params: conv2d_params.wgsl (with the four phase_*
// fields). Main loop: gemm_tiled.wgsl.
// Stride phases (PHASES, stride > 1, dilation 1): with stride s only the taps with ky = (iy + pad) mod s
// (mod s) can be exact, so (s*s - 1)/(s*s) of the plain GEMM multiplies zeros. The launch is instead one
// GEMM per phase (ry, rx) = ((iy + pad_h) mod s_h, (ix + pad_w) mod s_w), phase index on workgroup_id.z
// (passed as `batch`): its columns are the pixels of that phase (a grid of at most phase_h x phase_w per
// image), its reduction the taps ky = ry + t*s_h, kx = rx + u*s_w (at most phase_kh x phase_kw per c_out).
// Phases with fewer pixels or taps than the maximum load zeros and skip the missing pixels' stores;
// a phase with no taps at all (1x1 kernel, stride 2) writes zeros, as it must.
// Bindings (group 0): 0 params (uniform Params), 1 dy (read), 2 weight (read), 3 dx (read_write).
// Workgroup size: gemm_tiled. Dispatch: (ceil(n / TILE_N), ceil(c_in / TILE_M), 1 or s_h*s_w phases), n
// = batch*h*w, or batch*phase_h*phase_w with phases.
// Template parameters: PHASES (bool), UNIT_STRIDE (bool: stride 1 on both axes, so the plain path needs
// no division to find a tap's output pixel) and the gemm_tiled tiling parameters.

@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> weight: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

const UNIT_STRIDE: bool = {{UNIT_STRIDE}};

// Flat index i of a [*, rows, cols] grid as (outer, row, col): a reduction index as (c_out, ky, kx), a
// column as (image, y, x).
fn unflatten(i: u32, rows: u32, cols: u32) -> vec3<u32> {
  let per_outer = rows * cols;
  let outer = i / per_outer;
  let r = i - outer * per_outer;
  let row = r / cols;
  return vec3<u32>(outer, row, r - row * cols);
}

//#if PHASES
// The residues (ry, rx) of phase index `phase` (row-major over stride_h x stride_w).
fn phase_residues(phase: u32) -> vec2<u32> {
  let ry = phase / params.stride_w;
  return vec2<u32>(ry, phase - ry * params.stride_w);
}

// Tap (ky, kx) of reduction index kk in phase `phase`, as (co, ky, kx); ky >= kh marks a missing tap.
fn phase_tap(phase: u32, kk: u32) -> vec3<u32> {
  let t = unflatten(kk, params.phase_kh, params.phase_kw);
  let res = phase_residues(phase);
  return vec3<u32>(t.x, res.x + t.y * params.stride_h, res.y + t.z * params.stride_w);
}

// Input pixel of column `col` in phase `phase`, as (image, iy, ix); iy >= h or ix >= w marks a missing one.
fn phase_pixel(phase: u32, col: u32) -> vec3<u32> {
  let j = unflatten(col, params.phase_h, params.phase_w);
  let res = phase_residues(phase);
  // First iy with (iy + pad_h) mod stride_h == ry.
  let iy0 = (res.x + params.stride_h - params.pad_h % params.stride_h) % params.stride_h;
  let ix0 = (res.y + params.stride_w - params.pad_w % params.stride_w) % params.stride_w;
  return vec3<u32>(j.x, iy0 + j.y * params.stride_h, ix0 + j.z * params.stride_w);
}

fn load_a(phase: u32, row: u32, kk: u32) -> f32 {
  if (row >= params.m || kk >= params.k) { return 0.0; }
  let t = phase_tap(phase, kk);
  if (t.y >= params.kh || t.z >= params.kw) { return 0.0; }
  return weight[((t.x * params.c_in + row) * params.kh + t.y) * params.kw + t.z];
}

fn load_b(phase: u32, kk: u32, col: u32) -> f32 {
  if (kk >= params.k || col >= params.n) { return 0.0; }
  let t = phase_tap(phase, kk);
  let p = phase_pixel(phase, col);
  if (t.y >= params.kh || t.z >= params.kw || p.y >= params.h || p.z >= params.w) { return 0.0; }
  // Exact by construction of the phase: (iy + pad_h - ky) is a multiple of stride_h.
  let ty = i32(p.y + params.pad_h) - i32(t.y);
  let tx = i32(p.z + params.pad_w) - i32(t.z);
  if (ty < 0 || tx < 0) { return 0.0; }
  let oy = u32(ty) / params.stride_h;
  let ox = u32(tx) / params.stride_w;
  if (oy >= params.oh || ox >= params.ow) { return 0.0; }
  return dy[((p.x * params.c_out + t.x) * params.oh + oy) * params.ow + ox];
}

fn store_c(phase: u32, row: u32, col: u32, v: f32) {
  let p = phase_pixel(phase, col);
  if (p.y >= params.h || p.z >= params.w) { return; }
  dx[((p.x * params.c_in + row) * params.h + p.y) * params.w + p.z] = v;
}
//#else
fn load_a(batch: u32, row: u32, kk: u32) -> f32 {
  if (row >= params.m || kk >= params.k) { return 0.0; }
  let khw = params.kh * params.kw;
  let co = kk / khw;
  let r = kk - co * khw;
  return weight[(co * params.c_in + row) * khw + r];
}

fn load_b(batch: u32, kk: u32, col: u32) -> f32 {
  if (kk >= params.k || col >= params.n) { return 0.0; }
  let t = unflatten(kk, params.kh, params.kw);
  let p = unflatten(col, params.h, params.w);
  let ty = i32(p.y + params.pad_h) - i32(t.y * params.dil_h);
  let tx = i32(p.z + params.pad_w) - i32(t.z * params.dil_w);
  if (ty < 0 || tx < 0) { return 0.0; }
  var oy = u32(ty);
  var ox = u32(tx);
  if (!UNIT_STRIDE) {
    oy = oy / params.stride_h;
    ox = ox / params.stride_w;
    if (oy * params.stride_h != u32(ty) || ox * params.stride_w != u32(tx)) { return 0.0; }
  }
  if (oy >= params.oh || ox >= params.ow) { return 0.0; }
  return dy[((p.x * params.c_out + t.x) * params.oh + oy) * params.ow + ox];
}

fn store_c(batch: u32, row: u32, col: u32, v: f32) {
  let hw = params.h * params.w;
  let b = col / hw;
  let s = col - b * hw;
  dx[(b * params.c_in + row) * hw + s] = v;
}
//#endif
