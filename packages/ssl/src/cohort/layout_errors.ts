/** Typed errors of laying a cohort's step out over executables (step_layout.ts, split_graphs.ts). */
import { DogoError } from '@dogo/core';

/** The step does not fit the backends' memory in any layout. */
export class StepMemoryError extends DogoError {}

/** A chunk size that does not divide the batch. */
export class ChunkSizeError extends DogoError {}
