// batch_norm_backward: gradients of training-mode batch_norm (see batch_norm.wgsl), one workgroup per
// channel. With xhat = (x - mean) * invstd and M = n*hw:
//   dbeta = sum(dy), dgamma = sum(dy * xhat), dx = gamma * invstd / M * (M*dy - dbeta - xhat*dgamma).
// Bindings (group 0): 0 params (uniform Params), 1 x (read), 2 dy (read), 3 gamma (read), 4 mean (read),
//   5 invstd (read), 6 dx (read_write), 7 dgamma (read_write), 8 dbeta (read_write).
// Workgroup size: (WG_SIZE, 1, 1). Dispatch: (c, 1, 1).
// Template parameters: WG_SIZE (u32, power of 2).

struct Params {
  n: u32,
  c: u32,
  hw: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read> gamma: array<f32>;
@group(0) @binding(4) var<storage, read> mean: array<f32>;
@group(0) @binding(5) var<storage, read> invstd: array<f32>;
@group(0) @binding(6) var<storage, read_write> dx: array<f32>;
@group(0) @binding(7) var<storage, read_write> dgamma: array<f32>;
@group(0) @binding(8) var<storage, read_write> dbeta: array<f32>;

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

fn at(ch: u32, e: u32) -> u32 {
  let b = e / params.hw;
  return (b * params.c + ch) * params.hw + (e - b * params.hw);
}

@compute @workgroup_size(WG_SIZE, 1, 1)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let ch = wg.x;
  let count = params.n * params.hw;
  let mu = mean[ch];
  let inv = invstd[ch];
  var s_dy = 0.0;
  var s_dyx = 0.0;
  for (var e = lid; e < count; e += WG_SIZE) {
    let i = at(ch, e);
    s_dy += dy[i];
    s_dyx += dy[i] * (x[i] - mu) * inv;
  }
  let db = workgroup_sum(lid, s_dy);
  let dg = workgroup_sum(lid, s_dyx);
  let k = gamma[ch] * inv / f32(count);
  for (var e = lid; e < count; e += WG_SIZE) {
    let i = at(ch, e);
    dx[i] = k * (f32(count) * dy[i] - db - (x[i] - mu) * inv * dg);
  }
  if (lid == 0u) {
    dgamma[ch] = dg;
    dbeta[ch] = db;
  }
}
