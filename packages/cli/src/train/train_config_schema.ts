/**
 * The one schema of the `dogo train` configuration (zod): types, ranges and allowed values of every key, for a
 * --config file, for flags (each flag is the key of the same name) and for a run folder's config.json. A failure
 * is a ConfigError naming where the value came from, the key, what it must be and what it was.
 */
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { ConfigError, type TrainConfig } from './train_config.js';

/** Most wasm threads a run may ask for: one per core (more only oversubscribes, and each costs a worker). */
export const MAX_THREADS = availableParallelism();

const must = (text: string) => ({ error: text });

function int(min: number, max?: number) {
  const text = max === undefined ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
  const s = z.number(must(text)).int(must(text)).min(min, must(text));
  return max === undefined ? s : s.max(max, must(text));
}

function positive() {
  const text = 'a finite number > 0';
  return z.number(must(text)).positive(must(text));
}

function nonNegative() {
  const text = 'a finite number >= 0';
  return z.number(must(text)).min(0, must(text));
}

function fraction() {
  const text = 'a number >= 0 and < 1';
  return z.number(must(text)).min(0, must(text)).lt(1, must(text));
}

function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, must(`one of ${values.join(', ')}`));
}

const bool = () => z.boolean(must('true or false'));

const CHUNK_TEXT = 'an integer >= 1 (images per chunk) or "auto"';
const BACKENDS_TEXT = 'auto, wasm, webgpu or reference, or one of those per model separated by commas (wasm,wasm)';

const OPTIMIZER = z.strictObject({
  kind: oneOf(['adam', 'adamw', 'sgd', 'lars']),
  lr: positive(),
  weightDecay: nonNegative().optional(),
  momentum: fraction().optional(),
  beta1: fraction().optional(),
  beta2: fraction().optional(),
  eps: positive().optional(),
  eta: positive().optional(),
  warmupSteps: int(0).optional(),
  schedule: oneOf(['cosine', 'constant']).optional(),
}, must('an object with kind and lr (and optionally weightDecay, momentum, beta1, beta2, eps, eta, warmupSteps, schedule)'));

const MODEL = z.strictObject({
  name: z.string(must('a name: a letter, then letters, digits, _ or -')).regex(/^[A-Za-z][\w-]*$/, must('a name: a letter, then letters, digits, _ or -')),
  arch: oneOf(['resnet-small', 'resnet18', 'resnet34', 'resnet50']),
  stages: z.array(int(1, 4096), must('a list of 1 to 8 channel counts (integers >= 1)')).min(1, must('a list of 1 to 8 channel counts')).max(8, must('a list of 1 to 8 channel counts')).optional(),
  blocks: int(1, 64).optional(),
  width: positive().optional(),
  stem: oneOf(['cifar', 'imagenet']).optional(),
  lambda: nonNegative(),
  optimizer: OPTIMIZER,
  objective: oneOf(['simclr', 'simsiam']).optional(),
  headHidden: int(1).optional(),
  headOut: int(1).optional(),
}, must('an object with name, arch, lambda and optimizer'));

const FIELDS = {
  data: z.string(must('a data spec (embedded, fashion-mnist, fashion-mnist:DIR, cifar10:DIR, folder:DIR)')).min(1, must('a data spec')),
  backend: z.string(must(BACKENDS_TEXT)).regex(/^(auto|wasm|webgpu|reference)(,(auto|wasm|webgpu|reference))*$/, must(BACKENDS_TEXT)),
  seed: int(0),
  epochs: int(1),
  steps: int(1).optional(),
  trainSubset: int(1).optional(),
  batchSize: int(2),
  models: z.array(MODEL, must('a list of models')).min(1, must('a list of at least one model')),
  temperature: positive(),
  kdTemperature: positive(),
  reduction: oneOf(['mean', 'batchmean']),
  sharedViews: bool(),
  evalEvery: int(0),
  knnK: int(1),
  linearEpochs: int(0),
  checkpointEvery: int(0),
  keepCheckpoints: int(1),
  out: z.string(must('a folder path')).min(1, must('a folder path')),
  baseline: bool(),
  threads: int(1, MAX_THREADS).optional(),
  chunk: z.union([z.number(must(CHUNK_TEXT)).int(must(CHUNK_TEXT)).min(1, must(CHUNK_TEXT)), z.literal('auto')], must(CHUNK_TEXT)).optional(),
  recompute: oneOf(['auto', 'always', 'never']).optional(),
};

const uniqueNames = (c: { models?: { name: string }[] | undefined }, ctx: z.RefinementCtx) => {
  const seen = new Set<string>();
  c.models?.forEach((m, i) => {
    if (seen.has(m.name)) ctx.addIssue({ code: 'custom', path: ['models', i, 'name'], message: `a name no other model has ("${m.name}" is taken)`, input: m.name });
    seen.add(m.name);
  });
};

/** Several backends: exactly one per model. */
const backendPerModel = (c: { backend?: string | undefined; models?: unknown[] | undefined }, ctx: z.RefinementCtx) => {
  const n = c.backend?.split(',').length ?? 1;
  if (n > 1 && c.models && n !== c.models.length) ctx.addIssue({ code: 'custom', path: ['backend'], message: `one backend, or one per model (${c.models.length} models, ${n} backends)`, input: c.backend });
};

const FULL = z.strictObject(FIELDS, must('a JSON object of settings')).superRefine(uniqueNames).superRefine(backendPerModel);
const PARTIAL = z.strictObject(FIELDS, must('a JSON object of settings')).partial().superRefine(uniqueNames);

/** Allowed keys of the object at `path` (top level, a model, an optimizer). */
function allowedKeys(path: readonly PropertyKey[]): string[] {
  if (path.length === 0) return Object.keys(FIELDS);
  return Object.keys(path.length >= 3 && path[path.length - 1] === 'optimizer' ? OPTIMIZER.shape : MODEL.shape);
}

/** `models[0].optimizer.lr` for a path. */
export function keyPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}

function show(v: unknown): string {
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  return v === undefined ? 'nothing' : JSON.stringify(v);
}

/** How a key is called where it came from: `"batchSize"` in a file, `--batch-size` for a flag. */
export type KeyNamer = (path: readonly PropertyKey[]) => string;

const quoted: KeyNamer = (path) => `"${keyPath(path)}"`;

function format(issue: z.core.$ZodIssue, where: string, name: KeyNamer): string {
  if (issue.code === 'unrecognized_keys') {
    const at = issue.path.length > 0 ? `${keyPath(issue.path)}: ` : '';
    return `${where}: ${at}unknown key ${issue.keys.map((k) => `"${k}"`).join(', ')}; allowed keys: ${allowedKeys(issue.path).sort().join(', ')}`;
  }
  if (issue.path.length === 0) return `${where}: must hold ${issue.message}, got ${show(issue.input)}`;
  return `${where}: ${name(issue.path)} must be ${issue.message}, got ${show(issue.input)}`;
}

function check<T>(schema: z.ZodType<T>, value: unknown, where: string, name: KeyNamer): T {
  const r = schema.safeParse(value, { reportInput: true });
  if (r.success) return r.data;
  // Every problem at once, so a config file is fixed in one go.
  throw new ConfigError(r.error.issues.map((i) => format(i, where, name)).join('\n'));
}

/** Checks a complete configuration; throws ConfigError naming every key at fault. */
export function validateConfig(c: unknown, where = 'config', name: KeyNamer = quoted): TrainConfig {
  return check(FULL, c, where, name) as TrainConfig;
}

/** Checks part of a configuration (a --config file, the flags given) before it is merged. */
export function validatePartialConfig(c: unknown, where: string, name: KeyNamer = quoted): Partial<TrainConfig> {
  return check(PARTIAL, c, where, name) as Partial<TrainConfig>;
}
