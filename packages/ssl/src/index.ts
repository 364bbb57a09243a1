/**
 * @dogo/ssl: DoGo on top of the core: augmentation parameters and views, the cohort step and trainer,
 * optimiser configuration and schedules, evaluation (kNN, linear probe, few labels) and checkpoint contents.
 * Platform-neutral; file access lives in the adapters and the CLI.
 * @module @dogo/ssl
 */
export * from './augment/random_resized_crop.js';
export * from './augment/views.js';
export * from './augment/color.js';
// Optimiser settings, update rules and schedules moved down to @dogo/nn (its optimiser objects use them too);
// re-exported so code written against @dogo/ssl keeps working.
export {
  buildUpdate, optimizerSlots, DEFAULT_OPTIMIZER, learningRate, type OptimizerKind, type OptimizerConfig, type ParamRole, type ParamUpdate, type ScheduleOptions,
} from '@dogo/nn';
export * from './cohort/cohort_config.js';
export * from './cohort/cohort_step.js';
export * from './cohort/member_forward.js';
export * from './cohort/cohort_losses.js';
export * from './cohort/split_graphs.js';
export * from './cohort/step_layout.js';
export * from './cohort/compiled_step.js';
export * from './cohort/trainer.js';
export { findNonFiniteTensor, firstBadValue, PARAMETER_OVERFLOW } from './cohort/state_health.js';
export * from './eval/features.js';
export * from './eval/few_label.js';
export * from './eval/knn.js';
export * from './eval/linear_probe.js';
export * from './eval/noisy_labels.js';
export * from './eval/robustness.js';
export * from './checkpoint/checkpoint.js';
