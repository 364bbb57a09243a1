/**
 * What a resumed run must share with the run that wrote the checkpoint, and the differences in words: a refused
 * resume names each setting that changed (`models[0].optimizer.lr: 0.001 -> 0.003`) rather than two hashes.
 */
import type { Dataset } from '@dogo/data';
import type { TrainConfig } from './train_config.js';

/**
 * Keys that may change between a run and its resumption (where it runs and for how long, and where it writes;
 * the step's layout: chunking changes batch-norm statistics, not the model).
 */
const FREE_KEYS = ['out', 'backend', 'steps', 'epochs', 'threads', 'keepCheckpoints', 'chunk', 'recompute'] as const;

/** The settings a checkpoint is bound to: the configuration less FREE_KEYS, and the training split's name and size. */
export function resumeSettings(config: TrainConfig, train: Dataset): Record<string, unknown> {
  const s: Record<string, unknown> = { ...config };
  for (const k of FREE_KEYS) delete s[k];
  return { ...s, data: train.name, n: train.count };
}

function walk(a: unknown, b: unknown, at: string, out: string[]): void {
  if (JSON.stringify(a) === JSON.stringify(b)) return;
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
  if (isObj(a) && isObj(b) && Array.isArray(a) === Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    for (const k of keys) walk(a[k], b[k], Array.isArray(a) ? `${at}[${k}]` : at ? `${at}.${k}` : k, out);
    return;
  }
  const show = (v: unknown) => (v === undefined ? '(not set)' : JSON.stringify(v));
  out.push(`${at || '(whole configuration)'}: ${show(a)} -> ${show(b)}`);
}

/** Each differing setting between `before` and `after` as "path: old -> new". */
export function diffSettings(before: unknown, after: unknown): string[] {
  const out: string[] = [];
  walk(before, after, '', out);
  return out;
}
