// one_hot: out[row, c] = 1.0 where labels[row] == c, else 0.0, for int32 labels [rows] and float32 out
// [rows, depth]; a label outside [0, depth) gives a zero row. One output element per thread.
// Bindings (group 0): 0 params (uniform Params), 1 labels (read, i32), 2 out (read_write, f32).
// Workgroup size: (WG_SIZE, 1, 1).
// Dispatch: ceil(rows * depth / WG_SIZE) workgroups split over x and y (dispatch1d).
// Template parameters: WG_SIZE (u32).

struct Params {
  count: u32,
  depth: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> labels: array<i32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

const WG_SIZE: u32 = {{WG_SIZE}}u;

@compute @workgroup_size(WG_SIZE, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * WG_SIZE + gid.x;
  if (i >= params.count) { return; }
  let row = i / params.depth;
  let c = i - row * params.depth;
  out[i] = select(0.0, 1.0, labels[row] == i32(c));
}
