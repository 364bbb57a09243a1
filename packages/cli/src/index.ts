/** @dogo/cli: the `dogo` command's library surface (backends by name, conformance runner, info). */
export { BACKENDS, createBackend, selectBackend, selectMemberBackends, UnknownBackendError, type BackendEntry, type BackendChoiceOptions } from './backends.js';
export { runConformance, listCaseFiles, type ConformanceSummary } from './conformance_runner.js';
export { collectInfo, type InfoReport } from './commands/info.js';
export { StopSignals, NEVER_STOP, STOP_SIGNALS, type StopControl, type StopSignal } from './train/stop_signals.js';
export {
  DOGO_STEP_REFERENCE, DOGO_STEP_PAPER, DOGO_STEP_PRESETS, REFERENCE_BACKEND_BENCH, describeStepModel, stepPlanFlops, FLOP_CONVENTION, FORWARD_BACKWARD_FACTOR, VIEWS_PER_MODEL, dogoStepCohort, dogoStepEncoder, dogoStepFlops,
  planFlops, timeSteps, randomImages, measureDogoStep, formatMeasurement, kernelChoicesOf,
  type KernelChoiceSummary, type DogoStepModel, type DogoStepSpec, type DogoStepFlops, type DogoStepMeasurement, type TimingOptions, type StepTiming, type MeasureOptions,
} from './bench/dogo_step.js';
export { formatProfile } from './bench/profile_report.js';
