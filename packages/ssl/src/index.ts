/**
 * @dogo/ssl: DoGo on top of the core: augmentation parameters and views, the cohort step and trainer,
 * optimiser configuration and schedules, evaluation (kNN, linear probe, few labels) and checkpoint contents.
 * Platform-neutral; file access lives in the adapters and the CLI.
 */
export * from './augment/random_resized_crop.js';
export * from './augment/views.js';
export * from './augment/color.js';
export * from './optim/optimizer.js';
export * from './optim/schedule.js';
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
export * from './eval/knn.js';
export * from './eval/linear_probe.js';
export * from './eval/noisy_labels.js';
export * from './eval/robustness.js';
export * from './checkpoint/checkpoint.js';
