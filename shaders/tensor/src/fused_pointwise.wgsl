// fused_pointwise: one generated kernel for a whole fused group of pointwise ops (fused_pointwise.ts writes
// the parts): out[i] = the group's expression over in_0[i0], ..., in_K[iK] and the scalars params.s_0, ...,
// for every element i of the output, evaluated as a list of `let` bindings, one per op, each calling a
// WGSL function the caller supplies (FUNCTIONS: the backend's pointwise code table, not this file).
// Inputs of another shape broadcast to the output through per-input element strides in the uniform (0
// along broadcast axes; BROADCAST); inputs of the output's shape are read at i. Scalars (constants and
// numeric attributes such as a leaky_relu slope) are f32 uniform fields, so kernels that differ only in
// constants, attribute values, shapes or broadcast strides share one pipeline: the WGSL text depends on
// the group's structure alone.
// Bindings (group 0): 0 params (uniform Params), 1 out (read_write), 2.. in_k (read), one per input.
// Workgroup size: (WG_SIZE, 1, 1), one element per thread.
// Dispatch: ceil(count / WG_SIZE) workgroups split over x and y (dispatch1d); i = gid.y * nwg.x * WG_SIZE + gid.x.
// Template parameters: PARAM_FIELDS, INPUT_BINDINGS, FUNCTIONS, INDEX_INIT, INDEX_STEP, BODY, RESULT
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

{{FUNCTIONS}}

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
