// layout: strided copy of 32-bit elements, the one kernel behind transpose, broadcast_to, slice, pad and
// concat (and any dtype: values are copied as raw u32 bits, so float32 and int32 alike). Iterates over an
// index space `shape` (rank <= 8); element i at coordinates c reads src[src_offset + sum c_d*src_stride_d]
// and writes dst[dst_offset + sum c_d*dst_stride_d]. With PAD, the source coordinate is c_d - lo_d and an
// element whose source coordinate falls outside [0, src_dim_d) on any axis is written as 0 (zero padding).
// Bindings (group 0): 0 params (uniform Params), 1 src (read), 2 dst (read_write).
// Workgroup size: (WG_SIZE, 1, 1), one element per thread.
// Dispatch: ceil(count / WG_SIZE) workgroups split over x and y (dispatch1d); i = gid.y * nwg.x * WG_SIZE + gid.x.
// Template parameters: PAD (bool), WG_SIZE (u32).

struct Params {
  count: u32,
  rank: u32,
  src_offset: u32,
  dst_offset: u32,
  shape: array<vec4<u32>, 2>,
  src_stride: array<vec4<u32>, 2>,
  dst_stride: array<vec4<u32>, 2>,
  lo: array<vec4<u32>, 2>,
  src_dim: array<vec4<u32>, 2>,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read_write> dst: array<u32>;

const WG_SIZE: u32 = {{WG_SIZE}}u;

@compute @workgroup_size(WG_SIZE, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * WG_SIZE + gid.x;
  if (i >= params.count) { return; }
  var rem = i;
  var s = params.src_offset;
  var t = params.dst_offset;
  var inside = true;
  for (var d = i32(params.rank) - 1; d >= 0; d--) {
    let q = u32(d) / 4u;
    let r = u32(d) % 4u;
    let size = params.shape[q][r];
    let coord = rem % size;
    rem = rem / size;
    t += coord * params.dst_stride[q][r];
//#if PAD
    let c = i32(coord) - i32(params.lo[q][r]);
    if (c < 0 || c >= i32(params.src_dim[q][r])) {
      inside = false;
    } else {
      s += u32(c) * params.src_stride[q][r];
    }
//#else
    s += coord * params.src_stride[q][r];
//#endif
  }
  var v = 0u;
  if (inside) { v = src[s]; }
  dst[t] = v;
}
