// reduce: out[o, j] = OP over r of x[o, r, j], x viewed as [outer, reduce, inner] (any single axis, or
// a run of adjacent axes merged into one), out as [outer, inner]. OP is sum, mean or max.
// Two strategies (template PER_THREAD): one workgroup per output with a strided loop and a tree
// reduction in workgroup memory (long reductions), or one thread per output with a serial loop
// (short reductions over many outputs).
// Bindings (group 0): 0 params (uniform Params), 1 x (read), 2 out (read_write).
// Workgroup size: (WG_SIZE, 1, 1).
// Dispatch (dispatch1d split over x, y): outer*inner workgroups, or ceil(outer*inner / WG_SIZE) with PER_THREAD.
// Template parameters: OP_SUM, OP_MAX, OP_MEAN (exactly one true), PER_THREAD (bool), WG_SIZE (u32, power of 2).

struct Params {
  outer: u32,
  reduce: u32,
  inner: u32,
  count: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

const WG_SIZE: u32 = {{WG_SIZE}}u;
const OP_MAX: bool = {{OP_MAX}};
const OP_MEAN: bool = {{OP_MEAN}};
const LOWEST: f32 = -3.4028234663852886e38;

fn identity() -> f32 {
  if (OP_MAX) { return LOWEST; }
  return 0.0;
}

fn combine(acc: f32, v: f32) -> f32 {
  if (OP_MAX) { return max(acc, v); }
  return acc + v;
}

fn finish(acc: f32) -> f32 {
  if (OP_MEAN) { return acc / f32(params.reduce); }
  return acc;
}

//#if PER_THREAD
@compute @workgroup_size(WG_SIZE, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let o = gid.y * nwg.x * WG_SIZE + gid.x;
  if (o >= params.count) { return; }
  let base = (o / params.inner) * params.reduce * params.inner + o % params.inner;
  var acc = identity();
  for (var r = 0u; r < params.reduce; r++) { acc = combine(acc, x[base + r * params.inner]); }
  out[o] = finish(acc);
}
//#else
var<workgroup> partial: array<f32, WG_SIZE>;

@compute @workgroup_size(WG_SIZE, 1, 1)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32, @builtin(num_workgroups) nwg: vec3<u32>) {
  let o = wg.y * nwg.x + wg.x;
  if (o >= params.count) { return; }
  let base = (o / params.inner) * params.reduce * params.inner + o % params.inner;
  var acc = identity();
  for (var r = lid; r < params.reduce; r += WG_SIZE) { acc = combine(acc, x[base + r * params.inner]); }
  partial[lid] = acc;
  workgroupBarrier();
  for (var s = WG_SIZE / 2u; s > 0u; s = s / 2u) {
    if (lid < s) { partial[lid] = combine(partial[lid], partial[lid + s]); }
    workgroupBarrier();
  }
  if (lid == 0u) { out[o] = finish(partial[0]); }
}
//#endif
