/** @dogo/cli: the `dogo` command's library surface (backends by name, conformance runner, info). */
export { BACKENDS, createBackend, UnknownBackendError, type BackendEntry } from './backends.js';
export { runConformance, listCaseFiles, type ConformanceSummary } from './conformance_runner.js';
export { collectInfo, type InfoReport } from './commands/info.js';
