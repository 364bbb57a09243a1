// fused_pointwise: one generated kernel for a whole tree of pointwise ops (fused_pointwise.ts writes the
// parts): out[i] = EXPR(in_0[i0], ..., in_K[iK], params.s_0, ...) for every element i of the output, the
// tree evaluated as a list of `let` bindings, one per op, each calling an op_NAME helper made from the
// pointwise table (pointwise.ts). Inputs of another shape broadcast to the output through per-input
// element strides in the uniform (0 along broadcast axes; BROADCAST); inputs of the output's shape are
// read at i. Scalars (fills) are f32 uniform fields, so kernels that differ only in constants, shapes or
// broadcast strides share one pipeline: the WGSL text depends on the tree's structure alone.
// Bindings (group 0): 0 params (uniform Params), 1 out (read_write), 2.. in_k (read), one per input.
// Workgroup size: (WG_SIZE, 1, 1), one element per thread.
// Dispatch: ceil(count / WG_SIZE) workgroups split over x and y (dispatch1d); i = gid.y * nwg.x * WG_SIZE + gid.x.
// Template parameters: PARAM_FIELDS, INPUT_BINDINGS, OP_FUNCTIONS, INDEX_INIT, INDEX_STEP, BODY, RESULT
// (generated text), BROADCAST (bool), WG_SIZE (u32).

struct Params {
  count: u32,
  rank: u32,
  out_shape: array<vec4<u32>, 2>,
{{PARAM_FIELDS}}
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
{{INPUT_BINDINGS}}

const WG_SIZE: u32 = {{WG_SIZE}}u;

// pow as Math.pow for the cases training meets: negative bases with integer exponents keep their sign.
fn pow_js(a: f32, b: f32) -> f32 {
  if (a >= 0.0 || b != round(b)) { return pow(a, b); }
  let m = pow(-a, b);
  return select(m, -m, (i32(b) & 1) == 1);
}

{{OP_FUNCTIONS}}

@compute @workgroup_size(WG_SIZE, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * WG_SIZE + gid.x;
  if (i >= params.count) { return; }
//#if BROADCAST
  var rem = i;
{{INDEX_INIT}}
  for (var d = i32(params.rank) - 1; d >= 0; d--) {
    let q = u32(d) / 4u;
    let r = u32(d) % 4u;
    let size = params.out_shape[q][r];
    let coord = rem % size;
    rem = rem / size;
{{INDEX_STEP}}
  }
//#endif
{{BODY}}
  out[i] = {{RESULT}};
}
