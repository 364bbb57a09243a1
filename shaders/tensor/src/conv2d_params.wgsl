// conv2d_params: the uniform Params and its binding, shared by the three convolution kernels (conv2d,
// conv2d_backward_data, conv2d_backward_weight). Not a kernel by itself: conv2d.ts (convSource) appends
// it to each family's text, whose header gives the rest. Fields follow convUniforms in conv2d.ts: the
// GEMM's m, n, k, the convolution's geometry, k_split (split-K), then EXTRA_FIELDS.
// Bindings (group 0): 0 params (uniform Params).
// Workgroup size and dispatch: those of the kernel it is part of.
// Template parameters: EXTRA_FIELDS (WGSL field lines a kernel adds, e.g. stride phases; may be empty).

struct Params {
  m: u32,
  n: u32,
  k: u32,
  batch: u32,
  c_in: u32,
  h: u32,
  w: u32,
  c_out: u32,
  oh: u32,
  ow: u32,
  kh: u32,
  kw: u32,
  stride_h: u32,
  stride_w: u32,
  pad_h: u32,
  pad_w: u32,
  dil_h: u32,
  dil_w: u32,
  k_split: u32,
{{EXTRA_FIELDS}}
}

@group(0) @binding(0) var<uniform> params: Params;
