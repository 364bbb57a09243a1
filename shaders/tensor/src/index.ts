/**
 * @dogo/shaders-tensor: WGSL kernels for tensor ops, each .wgsl file beside a TypeScript spec that fills
 * its template parameters and computes bindings, workgroup size, dispatch size and uniforms for given
 * shapes. Knows nothing about devices: the WebGPU backend turns a KernelSource into a pipeline and a dispatch.
 */
export * from './kernel.js';
export * from './strides.js';
export { fillTemplate, TemplateError, type TemplateValue } from './template.js';
export { WGSL, type WgslFile } from './wgsl.gen.js';
export { GEMM_TILINGS, chooseGemmTiling, chooseSplitK, type GemmTiling, type GemmTilingName, type SplitK } from './gemm_tiled.js';
export * from './matmul.js';
export * from './conv2d.js';
export * from './conv2d_backward_data.js';
export * from './conv2d_backward_weight.js';
export * from './reduce.js';
export * from './pool2d.js';
export * from './pool2d_backward.js';
export * from './moments.js';
export * from './layout.js';
export * from './fused_pointwise.js';
export * from './one_hot.js';
export * from './cast.js';
export * from './resized_crop.js';
