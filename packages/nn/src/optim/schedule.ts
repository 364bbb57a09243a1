/**
 * Learning-rate schedules: linear warm-up, then cosine decay to `final` × base or a constant rate. Computed on the
 * host and fed to the step as a scalar each step. Public.
 */

/** A learning rate as a function of the 0-based step. */
export type Schedule = (step: number) => number;

/** Settings of learningRate / lrSchedule. */
export interface ScheduleOptions {
  /** Rate after warm-up. */
  base: number;
  /** Steps of the whole run (the cosine reaches `final` × base there). */
  totalSteps: number;
  /** Linear warm-up steps from base / warmupSteps to base (default 0). */
  warmupSteps?: number;
  /** Fraction of base at the end (default 0). */
  final?: number;
  /** 'cosine' (default) or 'constant' (the released DoGo code uses a constant Adam rate). */
  kind?: 'cosine' | 'constant';
}

/** Learning rate of step `step` (0-based). */
export function learningRate(o: ScheduleOptions, step: number): number {
  const warm = o.warmupSteps ?? 0;
  if (warm > 0 && step < warm) return (o.base * (step + 1)) / warm;
  if (o.kind === 'constant') return o.base;
  const span = Math.max(1, o.totalSteps - warm);
  const progress = Math.min(1, Math.max(0, (step - warm) / span));
  const final = o.final ?? 0;
  return o.base * (final + (1 - final) * 0.5 * (1 + Math.cos(Math.PI * progress)));
}

/** The schedule of `o` as a function of the step: `lrSchedule({ base: 0.1, totalSteps: 1000, warmupSteps: 50 })`. */
export function lrSchedule(o: ScheduleOptions): Schedule {
  return (step) => learningRate(o, step);
}
