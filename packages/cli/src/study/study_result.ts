/**
 * What `dogo study` records: every seed's scores of each model trained in the cohort and alone, written as
 * study.json, and read back from it (`dogo study --render DIR` re-renders a report without training).
 */
import { existsSync, readFileSync } from 'node:fs';
import { ConfigError } from '../train/train_config.js';
import type { EncoderScores } from './study_eval.js';

export interface StudyRun {
  seed: number;
  /** model -> scores, trained in the cohort. */
  dogo: Record<string, EncoderScores>;
  /** model -> scores, trained alone with the same budget. */
  alone: Record<string, EncoderScores>;
  /** kNN curves by epoch, per model, cohort and alone. */
  curves: { dogo: Record<string, [number, number][]>; alone: Record<string, [number, number][]> };
  seconds: number;
}

export interface StudyResult {
  command: string;
  preset: string;
  description: string;
  data: string;
  backend: string;
  models: string[];
  runs: StudyRun[];
  /** Total wall time in seconds. */
  seconds: number;
  /** Why the study stopped adding seeds (absent in reports written before the rule existed). */
  stopped?: string;
  machine: { cores: number; node: string; cpu: string };
  /** The training configuration of the first seed (absent in reports written before it was recorded). */
  config?: Record<string, unknown>;
}

/** One score per metric name: kNN, linear, 10% and 1% labels, noisy N%, shift NAME. */
export function flattenScores(s: EncoderScores): Record<string, number> {
  const out: Record<string, number> = { kNN: s.knn, linear: s.linear, '10% labels': s.label10, '1% labels': s.label1 };
  for (const [k, v] of Object.entries(s.noisy)) out[`noisy ${k}`] = v;
  for (const [k, v] of Object.entries(s.ood)) out[`shift ${k}`] = v;
  return out;
}

/** The StudyResult in a study.json (its derived `summary` is dropped: the report recomputes it). */
export function readStudyResult(file: string): StudyResult {
  if (!existsSync(file)) throw new ConfigError(`${file} not found: --render needs the folder of a study (with its study.json)`);
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new ConfigError(`${file} is not valid JSON: ${(e as Error).message}`);
  }
  const { summary: _summary, ...r } = json;
  const runs = r['runs'] as StudyRun[] | undefined;
  const models = r['models'] as string[] | undefined;
  if (!Array.isArray(runs) || runs.length === 0 || !Array.isArray(models) || models.length === 0) {
    throw new ConfigError(`${file}: not a study result (needs "models" and at least one entry in "runs")`);
  }
  for (const run of runs) {
    for (const m of models) {
      if (!run.dogo?.[m] || !run.alone?.[m] || !run.curves?.dogo?.[m] || !run.curves?.alone?.[m]) throw new ConfigError(`${file}: seed ${run.seed} has no scores or curves for model "${m}"`);
    }
  }
  const config = r['config'];
  if (config !== undefined && (typeof config !== 'object' || config === null || Array.isArray(config))) {
    throw new ConfigError(`${file}: "config" must be the study's training configuration (a JSON object), got ${JSON.stringify(config)}`);
  }
  return r as unknown as StudyResult;
}
