// batch_norm: training-mode batch normalisation of x [n, c, hw] (NCHW with h*w flattened), one workgroup
// per channel. Mean and biased variance over n*hw by two tree reductions in workgroup memory (two
// passes over x: mean first, then the centred sum of squares, for accuracy), then
// y = (x - mean) * invstd * gamma + beta with invstd = 1 / sqrt(var + eps). Writes mean and invstd per
// channel for the backward kernel (running statistics are updated by the caller from these).
// Bindings (group 0): 0 params (uniform Params), 1 x (read), 2 gamma (read), 3 beta (read),
//   4 y (read_write), 5 mean (read_write), 6 invstd (read_write).
// Workgroup size: (WG_SIZE, 1, 1). Dispatch: (c, 1, 1).
// Template parameters: WG_SIZE (u32, power of 2).

struct Params {
  n: u32,
  c: u32,
  hw: u32,
  eps: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> gamma: array<f32>;
@group(0) @binding(3) var<storage, read> beta: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
@group(0) @binding(5) var<storage, read_write> mean: array<f32>;
@group(0) @binding(6) var<storage, read_write> invstd: array<f32>;

const WG_SIZE: u32 = {{WG_SIZE}}u;
var<workgroup> partial: array<f32, WG_SIZE>;

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

// Flat index of the e-th element (0 <= e < n*hw) of channel ch.
fn at(ch: u32, e: u32) -> u32 {
  let b = e / params.hw;
  return (b * params.c + ch) * params.hw + (e - b * params.hw);
}

@compute @workgroup_size(WG_SIZE, 1, 1)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let ch = wg.x;
  let count = params.n * params.hw;
  var acc = 0.0;
  for (var e = lid; e < count; e += WG_SIZE) { acc += x[at(ch, e)]; }
  let mu = workgroup_sum(lid, acc) / f32(count);
  acc = 0.0;
  for (var e = lid; e < count; e += WG_SIZE) {
    let d = x[at(ch, e)] - mu;
    acc += d * d;
  }
  let inv = inverseSqrt(workgroup_sum(lid, acc) / f32(count) + params.eps);
  let scale = gamma[ch] * inv;
  let shift = beta[ch] - mu * scale;
  for (var e = lid; e < count; e += WG_SIZE) {
    let i = at(ch, e);
    y[i] = x[i] * scale + shift;
  }
  if (lid == 0u) {
    mean[ch] = mu;
    invstd[ch] = inv;
  }
}
