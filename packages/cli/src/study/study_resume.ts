/**
 * What a study's report folder already holds, and whether a new `dogo study` may write there: a study of hours
 * is never replaced by accident (only with --overwrite), and `--resume` continues one that was stopped or killed
 * (the report is written after every seed) with the seeds it finished, provided it is the same study.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../train/train_config.js';
import { readStudyResult, type StudyResult } from './study_result.js';

export type StudyFolderMode = 'new' | 'resume' | 'overwrite';

/** What makes two studies the same study: the fields of StudyResult a resumed study must match. */
export type StudyIdentity = Pick<StudyResult, 'preset' | 'data' | 'backend' | 'models' | 'config'>;

/**
 * The study to continue (with `resume`), or null to start a new one. Throws a ConfigError when `out` holds a
 * study and the mode is `new`, when there is nothing to resume, or when the study there is another one (naming
 * each field that differs).
 */
export function previousStudy(out: string, mode: StudyFolderMode, now: StudyIdentity, firstSeed: number): StudyResult | null {
  const file = path.join(out, 'study.json');
  if (mode === 'overwrite') return null;
  if (!existsSync(file)) {
    if (mode === 'resume') throw new ConfigError(`--resume: ${out} holds no study to continue (${file} not found); run without --resume to start one`);
    return null;
  }
  if (mode === 'new') {
    throw new ConfigError(`${out} already holds a study (${file}); pass --resume to add seeds to it, --overwrite to replace it, or another --out`);
  }
  const prev = readStudyResult(file);
  const differ: string[] = [];
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  for (const key of ['preset', 'data', 'backend', 'models'] as const) {
    if (!same(prev[key], now[key])) differ.push(`${key} ${JSON.stringify(prev[key])} there, ${JSON.stringify(now[key])} now`);
  }
  // Studies written before the configuration was recorded are matched on the fields above only.
  if (prev.config && now.config) {
    for (const key of new Set([...Object.keys(prev.config), ...Object.keys(now.config)])) {
      if (!same(prev.config[key], now.config[key])) differ.push(`config.${key} ${JSON.stringify(prev.config[key])} there, ${JSON.stringify(now.config[key])} now`);
    }
  }
  if (differ.length) throw new ConfigError(`--resume: the study in ${out} is another study (${differ.join('; ')}); run the same command it was started with, or another --out`);
  prev.runs.forEach((r, i) => {
    if (r.seed !== firstSeed + i) throw new ConfigError(`--resume: ${file} holds seed ${r.seed} where seed ${firstSeed + i} belongs (seeds ${prev.runs.map((x) => x.seed).join(', ')}); only a study's own consecutive seeds can be continued`);
  });
  return prev;
}
