/**
 * @dogo/backend-wasm: the WebAssembly backend. WasmBackend compiles a core Plan (fused pointwise programs,
 * convolutions, GEMM, ...) onto a WasmRuntime: CPU kernels (SIMD, relaxed-SIMD FMA where the engine has it)
 * assembled by wabt at build time, run over one shared memory by a pool of workers the platform adapter
 * provides (@dogo/node, @dogo/browser).
 * @module @dogo/backend-wasm
 */
export { WasmRuntime, type WasmRuntimeOptions } from './runtime/wasm_runtime.js';
export { Arena, OutOfWasmMemoryError } from './runtime/arena.js';
export { ThreadPool, WorkerKernelError, WORKER_SOURCE, type WorkerHost, type WorkerHandle } from './runtime/thread_pool.js';
export {
  relaxedSimdSupported, simdSupported, sharedMemorySupported, canBlock, resolveVariant, kernelBytes, compileKernels,
  WasmFeatureError, type KernelVariant,
} from './runtime/kernel_module.js';
export { KernelParamError } from './runtime/launch.js';
export type { GemmParams } from './runtime/gemm.js';
export {
  conv2dOutputSize, conv2dAlgorithms, CONV2D_ALGORITHMS, type Conv2dAlgorithm, type Conv2dDirection, type Conv2dGeometry,
  type Conv2dForwardParams, type Conv2dBackwardDataParams, type Conv2dBackwardWeightParams,
} from './runtime/conv2d.js';
export { WINOGRAD_TRANSFORM_NAMES, type WinogradTransform } from './runtime/winograd.js';
export { pool2dOutputSize, type Pool2dGeometry } from './runtime/pool2d.js';
export type { MomentsParams } from './runtime/moments.js';
export { GEMM_BLOCKING, GEMM_SCRATCH_BYTES } from './kernels.gen.js';
export { WasmBackend, WasmExecutable, WASM_FUSION_RULES, type WasmBackendOptions } from './backend/wasm_backend.js';
export { convShapeOf, type ConvStepChoice } from './backend/conv_choices.js';
export { chooseConvAlgorithm, convTuningKey, type ConvChoice, type ConvChoiceSource, type ConvShape, type ConvTuningOptions } from './tuning/conv_tuner.js';
export { ruleConvAlgorithm } from './tuning/conv_rule.js';
export type { Launch, HostLaunch, KernelLaunch } from './runtime/launch.js';
export type { FusedParams, Copy4dParams } from './runtime/fused.js';
