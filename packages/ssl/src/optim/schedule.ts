/** Learning-rate schedule: linear warm-up, then cosine decay to `final` × base. Fed to the step as a scalar. */
export interface ScheduleOptions {
  base: number;
  totalSteps: number;
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
