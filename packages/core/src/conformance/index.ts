/** Conformance: decode PyTorch-computed cases and hold any backend to them. Platform-neutral. */
export * from './case.js';
export * from './builders.js';
export * from './run_case.js';
