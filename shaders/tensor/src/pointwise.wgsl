// pointwise: out[i] = EXPR(a[ia], b[ib]) for every element i of the output, where EXPR is one row of
// the pointwise table (pointwise.ts) written in terms of `a` (and `b` for binary ops). With BROADCAST,
// ia/ib come from the output coordinates and per-operand element strides (0 along broadcast axes),
// rank <= 8, passed in the uniform; without it both operands are read at i (same shape, contiguous).
// Bindings (group 0): 0 params (uniform Params), 1 in_a (read), 2 out (read_write), 3 in_b (read; BINARY only).
// Workgroup size: (WG_SIZE, 1, 1), one element per thread.
// Dispatch: ceil(count / WG_SIZE) workgroups split over x and y (dispatch1d); i = gid.y * nwg.x * WG_SIZE + gid.x.
// Template parameters: EXPR (WGSL expression), BINARY, BROADCAST (bool), WG_SIZE (u32).

struct Params {
  count: u32,
  rank: u32,
  out_shape: array<vec4<u32>, 2>,
  stride_a: array<vec4<u32>, 2>,
  stride_b: array<vec4<u32>, 2>,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> in_a: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
//#if BINARY
@group(0) @binding(3) var<storage, read> in_b: array<f32>;
//#endif

const WG_SIZE: u32 = {{WG_SIZE}}u;

// pow as Math.pow for the cases training meets: negative bases with integer exponents keep their sign.
fn pow_js(a: f32, b: f32) -> f32 {
  if (a >= 0.0 || b != round(b)) { return pow(a, b); }
  let m = pow(-a, b);
  return select(m, -m, (i32(b) & 1) == 1);
}

@compute @workgroup_size(WG_SIZE, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * WG_SIZE + gid.x;
  if (i >= params.count) { return; }
//#if BROADCAST
  var rem = i;
  var ia = 0u;
  var ib = 0u;
  for (var d = i32(params.rank) - 1; d >= 0; d--) {
    let q = u32(d) / 4u;
    let r = u32(d) % 4u;
    let size = params.out_shape[q][r];
    let coord = rem % size;
    rem = rem / size;
    ia += coord * params.stride_a[q][r];
    ib += coord * params.stride_b[q][r];
  }
//#else
  let ia = i;
  let ib = i;
//#endif
  let a = in_a[ia];
//#if BINARY
  let b = in_b[ib];
//#endif
  out[i] = {{EXPR}};
}
