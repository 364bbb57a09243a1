/**
 * @dogo/nn: modules, initialisation, state dicts and safetensors I/O, and the user-level training API (optimiser
 * objects, compileTrainStep, fit, compileInference). Public entry.
 * Platform-neutral: no file system or DOM access here.
 * @module @dogo/nn
 */
export * from './safetensors/index.js';
export { ParamSpec, type ParamKind, type Initializer } from './module/param_spec.js';
export { fans, constantInit, kaimingNormalFanOut, uniformInit, fanInUniform } from './module/init.js';
export { Module } from './module/module.js';
export { trainedLikeWeights } from './testing/trained_like_weights.js';
export { ForwardContext, type ForwardOptions, type ModuleCall, type Forward } from './module/forward_context.js';
export type { Parameter } from './module/parameter.js';
export { Conv2d } from './layers/conv2d.js';
export { BatchNorm1d, BatchNorm2d } from './layers/batch_norm.js';
export { Linear } from './layers/linear.js';
export { ReLU } from './layers/relu.js';
export { MaxPool2d, AvgPool2d, GlobalAvgPool } from './layers/pool2d.js';
export { Sequential } from './layers/sequential.js';
export { BasicBlock, Bottleneck, type BlockType } from './resnet/blocks.js';
export { ResNet, resnet18, resnet34, resnet50, resnetSmall, BASE_STAGE_CHANNELS, type ResNetOptions, type ResNetSmallOptions } from './resnet/resnet.js';
export { ProjectionHead, LinearClassifier } from './heads/heads.js';
export { SimSiamProjector, SimSiamPredictor, NonAffineBatchNorm1d, simsiamHeads, simsiamHeadDims, SIMSIAM_DIM, SIMSIAM_PRED_DIM, type SimSiamHeadOptions } from './heads/simsiam.js';
export { stateDictToSafetensors, loadStateDict, readStateDict, StateDictError, type SaveStateDictOptions, type LoadStateDictOptions, type StateDictRead } from './state_dict/state_dict.js';
export {
  EncoderMetadataError, ENCODER_METADATA_VERSION, resnetLayout, buildResNet, encoderMetadata, parseEncoderMetadata,
  type InputNormalization, type ResNetLayout, type EncoderDescription,
} from './interop/encoder_metadata.js';
export { encoderToSafetensors, readEncoderFile, type EncoderFileOptions, type EncoderFile } from './interop/encoder_file.js';
export { countParameters, forwardFlops, nodeMacs } from './analytics/analytics.js';
export { modelSizes, formatModelSizeTable, type ModelSizeRow } from './model_sizes.js';
export {
  buildUpdate, optimizerSlots, roleOf, DEFAULT_OPTIMIZER, type OptimizerKind, type OptimizerConfig, type ParamRole, type ParamUpdate,
} from './optim/update_rule.js';
export { learningRate, lrSchedule, type Schedule, type ScheduleOptions } from './optim/schedule.js';
export {
  Optimizer, OptimizerError, adam, adamw, sgd, lars,
  type CommonOptimizerOptions, type AdamOptions, type SgdOptions, type LarsOptions, type OptimizerStep,
} from './optim/optimizer.js';
export { compileTrainStep, TrainStep, NonFiniteLossError, type TrainStepSpec, type TrainStepResult } from './train/train_step.js';
export { compileInference, Inference, type InferenceSpec } from './train/inference.js';
export { fit, type FitOptions, type EpochSummary } from './train/fit.js';
export { predictClasses, accuracy, type ClassifyOptions } from './train/classify.js';
export type { LabeledData } from './train/labeled_data.js';
