// matmul: C[b] = op(A[b]) · op(B[b]), row-major float32, batched over
// workgroup_id.z. op(A) is m x k (A stored k x m when TRANS_A), op(B) is k x n (B stored n x k when
// TRANS_B). A batch stride of 0 broadcasts an operand over the batch. Main loop: gemm_tiled.wgsl.
// Bindings (group 0): 0 params (uniform Params), 1 a (read), 2 b (read), 3 c (read_write).
// Workgroup size and dispatch: see gemm_tiled.wgsl; dispatch (ceil(n/TILE_N), ceil(m/TILE_M), batch).
// Template parameters: TRANS_A, TRANS_B (bool) plus the gemm_tiled tiling parameters.

struct Params {
  m: u32,
  n: u32,
  k: u32,
  batch_stride_a: u32,
  batch_stride_b: u32,
  batch_stride_c: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;

const TRANS_A: bool = {{TRANS_A}};
const TRANS_B: bool = {{TRANS_B}};

fn load_a(batch: u32, row: u32, kk: u32) -> f32 {
  if (row >= params.m || kk >= params.k) { return 0.0; }
  let base = batch * params.batch_stride_a;
  if (TRANS_A) { return a[base + kk * params.m + row]; }
  return a[base + row * params.k + kk];
}

fn load_b(batch: u32, kk: u32, col: u32) -> f32 {
  if (kk >= params.k || col >= params.n) { return 0.0; }
  let base = batch * params.batch_stride_b;
  if (TRANS_B) { return b[base + col * params.k + kk]; }
  return b[base + kk * params.n + col];
}

fn store_c(batch: u32, row: u32, col: u32, v: f32) {
  c[batch * params.batch_stride_c + row * params.n + col] = v;
}
