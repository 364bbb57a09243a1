// moments: mean and biased variance per channel of x viewed as [outer, channels, inner], over outer and
// inner (batch norm's statistics: NCHW over axes 0, 2, 3 is [n, c, h*w]); one workgroup per channel.
// Two passes over the channel's outer*inner elements, each a strided loop and a tree reduction in
// workgroup memory: the mean first, then the centred sum of squares (no E[x²] - E[x]² cancellation).
// Writes out[ch] = mean and out[channels + ch] = sum((x - mean)²) / (outer*inner).
// Bindings (group 0): 0 params (uniform Params), 1 x (read), 2 out (read_write, 2*channels elements).
// Workgroup size: (WG_SIZE, 1, 1).
// Dispatch: channels workgroups split over x and y (dispatch1d); ch = wg.y * nwg.x + wg.x.
// Template parameters: WG_SIZE (u32, power of 2).

struct Params {
  outer: u32,
  channels: u32,
  inner: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

const WG_SIZE: u32 = {{WG_SIZE}}u;
var<workgroup> partial: array<f32, WG_SIZE>;

// The sum of every thread's `v`; all threads get it.
fn workgroup_sum(lid: u32, v: f32) -> f32 {
  partial[lid] = v;
  workgroupBarrier();
  for (var s = WG_SIZE / 2u; s > 0u; s = s / 2u) {
    if (lid < s) { partial[lid] += partial[lid + s]; }
    workgroupBarrier();
  }
  let r = partial[0];
  workgroupBarrier();
  return r;
}

// Flat index of the e-th element (0 <= e < outer*inner) of channel ch.
fn at(ch: u32, e: u32) -> u32 {
  let o = e / params.inner;
  return (o * params.channels + ch) * params.inner + (e - o * params.inner);
}

@compute @workgroup_size(WG_SIZE, 1, 1)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32, @builtin(num_workgroups) nwg: vec3<u32>) {
  let ch = wg.y * nwg.x + wg.x;
  // uniform per workgroup, so the barriers below stay in uniform control flow
  if (ch >= params.channels) { return; }
  let count = params.outer * params.inner;
  var acc = 0.0;
  for (var e = lid; e < count; e += WG_SIZE) { acc += x[at(ch, e)]; }
  let mean = workgroup_sum(lid, acc) / f32(count);
  acc = 0.0;
  for (var e = lid; e < count; e += WG_SIZE) {
    let d = x[at(ch, e)] - mean;
    acc += d * d;
  }
  let variance = workgroup_sum(lid, acc) / f32(count);
  if (lid == 0u) {
    out[ch] = mean;
    out[params.channels + ch] = variance;
  }
}
