// gemm_tiled: the shared main loop of every GEMM-shaped kernel (matmul, conv2d and its two backward ops
// as implicit GEMM). Not a kernel by itself: a family file supplies, before this text,
//   struct Params with fields m, n, k (C is m x n, reduction length k) and a `params` uniform,
//   fn load_a(batch: u32, row: u32, kk: u32) -> f32   A[row, kk], 0 outside [0,m) x [0,k)
//   fn load_b(batch: u32, kk: u32, col: u32) -> f32   B[kk, col], 0 outside [0,k) x [0,n)
//   fn store_c(batch: u32, row: u32, col: u32, v: f32) called only for row < m, col < n.
// Tiling: each workgroup computes a TILE_M x TILE_N block of C; per step it stages a TILE_M x TILE_K
// slice of A and a TILE_K x TILE_N slice of B in workgroup memory; each thread accumulates a
// THREAD_M x THREAD_N register block whose rows/cols are strided by the workgroup size (rows
// ly + i*WG_Y, cols lx + j*WG_X), so stores and shared-memory reads are contiguous across threads.
// Workgroup size: (TILE_N / THREAD_N, TILE_M / THREAD_M, 1).
// Dispatch: (ceil(n / TILE_N), ceil(m / TILE_M), batch); workgroup_id.z is passed as `batch`.
// Split-K (SPLIT_K): workgroup_id.z is instead the split s, which reduces only k in
// [s * k_split, min(k, (s + 1) * k_split)) and passes s as `batch` to store_c, so the family writes one
// partial C per split for a later sum. The family's Params then has a field k_split, a multiple of
// TILE_K (no k tile straddles two splits, so no product is counted twice), and every split is non-empty.
// Why: GEMMs with a small C and a long reduction (conv weight gradients: C is c_out x c_in*kh*kw, k is
// batch*oh*ow) give too few workgroups to fill a GPU otherwise.
// Template parameters: TILE_M, TILE_N, TILE_K, THREAD_M, THREAD_N (u32; TILE_* multiples of THREAD_*),
//   SPLIT_K (bool),
//   A_M_FASTEST, B_K_FASTEST (bool): which index of A/B consecutive threads load, chosen per kernel so
//   global reads are contiguous (A_M_FASTEST for A stored k-major, B_K_FASTEST for B stored n-major).

const TILE_M: u32 = {{TILE_M}}u;
const TILE_N: u32 = {{TILE_N}}u;
const TILE_K: u32 = {{TILE_K}}u;
const THREAD_M: u32 = {{THREAD_M}}u;
const THREAD_N: u32 = {{THREAD_N}}u;
const WG_X: u32 = TILE_N / THREAD_N;
const WG_Y: u32 = TILE_M / THREAD_M;
const WG_SIZE: u32 = WG_X * WG_Y;
const A_M_FASTEST: bool = {{A_M_FASTEST}};
const B_K_FASTEST: bool = {{B_K_FASTEST}};

// Stored k-major: tile_a[kk * TILE_M + m], tile_b[kk * TILE_N + n].
var<workgroup> tile_a: array<f32, TILE_M * TILE_K>;
var<workgroup> tile_b: array<f32, TILE_K * TILE_N>;

@compute @workgroup_size(WG_X, WG_Y, 1)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) lidx: u32) {
  let batch = wg.z;
  let row0 = wg.y * TILE_M;
  let col0 = wg.x * TILE_N;
  var acc: array<array<f32, THREAD_N>, THREAD_M>;
  var a_reg: array<f32, THREAD_M>;
  var b_reg: array<f32, THREAD_N>;
//#if SPLIT_K
  let k_begin = wg.z * params.k_split;
  let k_end = min(params.k, k_begin + params.k_split);
//#else
  let k_begin = 0u;
  let k_end = params.k;
//#endif
  let k_tiles = (k_end - k_begin + TILE_K - 1u) / TILE_K;
  for (var t = 0u; t < k_tiles; t++) {
    let k0 = k_begin + t * TILE_K;
    for (var i = lidx; i < TILE_M * TILE_K; i += WG_SIZE) {
      var m = i / TILE_K;
      var kk = i % TILE_K;
      if (A_M_FASTEST) { m = i % TILE_M; kk = i / TILE_M; }
      tile_a[kk * TILE_M + m] = load_a(batch, row0 + m, k0 + kk);
    }
    for (var i = lidx; i < TILE_K * TILE_N; i += WG_SIZE) {
      var kk = i / TILE_N;
      var n = i % TILE_N;
      if (B_K_FASTEST) { kk = i % TILE_K; n = i / TILE_K; }
      tile_b[kk * TILE_N + n] = load_b(batch, k0 + kk, col0 + n);
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TILE_K; kk++) {
      for (var i = 0u; i < THREAD_M; i++) { a_reg[i] = tile_a[kk * TILE_M + lid.y + i * WG_Y]; }
      for (var j = 0u; j < THREAD_N; j++) { b_reg[j] = tile_b[kk * TILE_N + lid.x + j * WG_X]; }
      for (var i = 0u; i < THREAD_M; i++) {
        for (var j = 0u; j < THREAD_N; j++) { acc[i][j] = fma(a_reg[i], b_reg[j], acc[i][j]); }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < THREAD_M; i++) {
    let row = row0 + lid.y + i * WG_Y;
    if (row >= params.m) { break; }
    for (var j = 0u; j < THREAD_N; j++) {
      let col = col0 + lid.x + j * WG_X;
      if (col < params.n) { store_c(batch, row, col, acc[i][j]); }
    }
  }
}
