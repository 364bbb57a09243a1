// softmax: along the last axis of x viewed as [rows, cols], one workgroup per row.
//   forward:            y = exp(x - max) / sum(exp(x - max))       (LOG: y = x - max - log(sum))
//   BACKWARD (y, dy):   dx = y * (dy - sum(dy * y))                 (LOG: dx = dy - exp(y) * sum(dy))
// Row maximum and sums by a tree reduction in workgroup memory.
// Bindings (group 0): 0 params (uniform Params); forward: 1 x (read), 2 y (read_write);
//   BACKWARD: 1 y (read), 2 dx (read_write), 3 dy (read).
// Workgroup size: (WG_SIZE, 1, 1). Dispatch: rows workgroups split over x, y (dispatch1d).
// Template parameters: LOG, BACKWARD (bool), WG_SIZE (u32, power of 2).

struct Params {
  rows: u32,
  cols: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
//#if BACKWARD
@group(0) @binding(3) var<storage, read> dy: array<f32>;
//#endif

const WG_SIZE: u32 = {{WG_SIZE}}u;
const LOWEST: f32 = -3.4028234663852886e38;
var<workgroup> partial: array<f32, WG_SIZE>;

// Tree reduction of every thread's `v` (sum, or max when is_max); all threads get the result.
fn workgroup_reduce(lid: u32, v: f32, is_max: bool) -> f32 {
  partial[lid] = v;
  workgroupBarrier();
  for (var s = WG_SIZE / 2u; s > 0u; s = s / 2u) {
    if (lid < s) {
      let o = partial[lid + s];
      partial[lid] = select(partial[lid] + o, max(partial[lid], o), is_max);
    }
    workgroupBarrier();
  }
  let r = partial[0];
  workgroupBarrier();
  return r;
}

@compute @workgroup_size(WG_SIZE, 1, 1)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32, @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = wg.y * nwg.x + wg.x;
  if (row >= params.rows) { return; }
  let base = row * params.cols;
//#if BACKWARD
  var acc = 0.0;
  for (var j = lid; j < params.cols; j += WG_SIZE) {
//#if LOG
    acc += dy[base + j];
//#else
    acc += dy[base + j] * src[base + j];
//#endif
  }
  let total = workgroup_reduce(lid, acc, false);
  for (var j = lid; j < params.cols; j += WG_SIZE) {
//#if LOG
    dst[base + j] = dy[base + j] - exp(src[base + j]) * total;
//#else
    dst[base + j] = src[base + j] * (dy[base + j] - total);
//#endif
  }
//#else
  var m = LOWEST;
  for (var j = lid; j < params.cols; j += WG_SIZE) { m = max(m, src[base + j]); }
  let row_max = workgroup_reduce(lid, m, true);
  var acc = 0.0;
  for (var j = lid; j < params.cols; j += WG_SIZE) { acc += exp(src[base + j] - row_max); }
  let total = workgroup_reduce(lid, acc, false);
//#if LOG
  let log_total = log(total);
  for (var j = lid; j < params.cols; j += WG_SIZE) { dst[base + j] = src[base + j] - row_max - log_total; }
//#else
  let inv = 1.0 / total;
  for (var j = lid; j < params.cols; j += WG_SIZE) { dst[base + j] = exp(src[base + j] - row_max) * inv; }
//#endif
//#endif
}
