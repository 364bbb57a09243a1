// cast: out[i] = DST_TYPE(x[i]) between f32 and i32; f32 -> i32 truncates toward zero (WGSL's
// conversion, which also saturates out-of-range values). Same-type casts are buffer copies, not this kernel.
// Bindings (group 0): 0 params (uniform Params), 1 x (read, SRC_TYPE), 2 out (read_write, DST_TYPE).
// Workgroup size: (WG_SIZE, 1, 1), one element per thread.
// Dispatch: ceil(count / WG_SIZE) workgroups split over x and y (dispatch1d).
// Template parameters: SRC_TYPE, DST_TYPE (f32 | i32), WG_SIZE (u32).

struct Params {
  count: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<{{SRC_TYPE}}>;
@group(0) @binding(2) var<storage, read_write> out: array<{{DST_TYPE}}>;

const WG_SIZE: u32 = {{WG_SIZE}}u;

@compute @workgroup_size(WG_SIZE, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * WG_SIZE + gid.x;
  if (i >= params.count) { return; }
  out[i] = {{DST_TYPE}}(x[i]);
}
