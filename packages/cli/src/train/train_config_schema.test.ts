/**
 * Every setting is checked by one schema, from a config file or from flags: each bad value of the audit is
 * refused with a ConfigError naming where it came from, the key, what is allowed and what was given.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseTrainArgs } from '../commands/train.js';
import { ConfigError, DEFAULT_CONFIG } from './train_config.js';
import { MAX_THREADS, validateConfig } from './train_config_schema.js';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'dogo-schema-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function configFile(value: unknown, raw?: string): string {
  const f = path.join(dir, `c${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(f, raw ?? JSON.stringify(value));
  return f;
}

const model = (optimizer: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ name: 'm', arch: 'resnet-small', lambda: 1, optimizer: { kind: 'sgd', lr: 0.1, ...optimizer }, ...extra });

function refusal(args: string[]): string {
  try {
    parseTrainArgs(args);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error(`accepted: ${args.join(' ')}`);
}

describe('the train configuration schema', () => {
  it.each([
    [{ temperature: -1 }, '"temperature" must be a finite number > 0, got -1'],
    [{ temperature: 0 }, '"temperature" must be a finite number > 0, got 0'],
    [{ kdTemperature: 'x' }, '"kdTemperature" must be a finite number > 0, got "x"'],
    [{ models: [model({ weightDecay: -5 })] }, '"models[0].optimizer.weightDecay" must be a finite number >= 0, got -5'],
    [{ models: [model({ schedule: 'linear' })] }, '"models[0].optimizer.schedule" must be one of cosine, constant, got "linear"'],
    [{ models: [model({ warmupSteps: 'x' })] }, '"models[0].optimizer.warmupSteps" must be an integer >= 0, got "x"'],
    [{ models: [model({ momentum: 1.5 })] }, '"models[0].optimizer.momentum" must be a number >= 0 and < 1, got 1.5'],
    [{ models: [model({ kind: 'rmsprop' })] }, '"models[0].optimizer.kind" must be one of adam, adamw, sgd, lars, got "rmsprop"'],
    [{ models: [model({}, { stages: 'abc' })] }, '"models[0].stages" must be a list of 1 to 8 channel counts (integers >= 1), got "abc"'],
    [{ models: [model({}, { lambda: -1 })] }, '"models[0].lambda" must be a finite number >= 0, got -1'],
    [{ models: [model({}), model({})] }, '"models[1].name" must be a name no other model has ("m" is taken), got "m"'],
    [{ sharedViews: 'no' }, '"sharedViews" must be true or false, got "no"'],
    [{ data: 5 }, '"data" must be a data spec (embedded, fashion-mnist, fashion-mnist:DIR, cifar10:DIR, folder:DIR), got 5'],
    [{ epochs: 0 }, '"epochs" must be an integer >= 1, got 0'],
    [{ threads: 999 }, `"threads" must be an integer from 1 to ${MAX_THREADS}, got 999`],
    [{ chunk: 0 }, '"chunk" must be an integer >= 1 (images per chunk) or "auto", got 0'],
    [{ chunk: 'some' }, '"chunk" must be an integer >= 1 (images per chunk) or "auto", got "some"'],
    [{ recompute: 'sometimes' }, '"recompute" must be one of auto, always, never, got "sometimes"'],
    [{ backend: 'wasm,gpu' }, '"backend" must be auto, wasm, webgpu or reference, or one of those per model separated by commas (wasm,wasm), got "wasm,gpu"'],
    [{ models: [model({ lr: 0.1, bogus: 1 })] }, 'models[0].optimizer: unknown key "bogus"; allowed keys: beta1, beta2, eps, eta, kind, lr, momentum, schedule, warmupSteps, weightDecay'],
  ])('refuses %j in a config file', (value, message) => {
    const f = configFile(value);
    expect(refusal(['--config', f])).toContain(`config file ${f}: ${message}`);
  });

  it('refuses a config file that is not an object of settings', () => {
    for (const [raw, shown] of [['null', 'null'], ['5', '5'], ['[1]', '[1]']] as const) {
      const f = configFile(undefined, raw);
      expect(refusal(['--config', f])).toBe(`config file ${f}: must hold a JSON object of settings, got ${shown}`);
    }
  });

  it.each([
    [['--threads', '999'], `flags: --threads must be an integer from 1 to ${MAX_THREADS}, got 999`],
    [['--threads', '0'], `flags: --threads must be an integer from 1 to ${MAX_THREADS}, got 0`],
    [['--threads', 'abc'], `flags: --threads must be an integer from 1 to ${MAX_THREADS}, got "abc"`],
    [['--epochs', '0'], 'flags: --epochs must be an integer >= 1, got 0'],
    [['--batch-size', '1.5'], 'flags: --batch-size must be an integer >= 2, got 1.5'],
    [['--reduction', 'sum'], 'flags: --reduction must be one of mean, batchmean, got "sum"'],
    [['--keep-checkpoints', '0'], 'flags: --keep-checkpoints must be an integer >= 1, got 0'],
    [['--resume', '--overwrite'], '--resume and --overwrite exclude each other'],
    [['--resume-from', 'x'], '--resume-from must be a step number (an integer >= 0), got "x"'],
  ])('refuses the flags %j', (args, message) => {
    expect(refusal(args)).toContain(message);
  });

  it('names every problem of a file at once', () => {
    const f = configFile({ temperature: 0, sharedViews: 'no' });
    expect(refusal(['--config', f]).split('\n')).toEqual([
      `config file ${f}: "temperature" must be a finite number > 0, got 0`,
      `config file ${f}: "sharedViews" must be true or false, got "no"`,
    ]);
  });

  it('accepts the defaults, every preset and valid flags', () => {
    expect(validateConfig(DEFAULT_CONFIG)).toEqual(DEFAULT_CONFIG);
    for (const p of ['default', 'paper', 'released', 'reference']) expect(() => parseTrainArgs(['--preset', p])).not.toThrow();
    const { config, mode } = parseTrainArgs(['--threads', '1', '--epochs', '2', '--shared-views', '--overwrite', '--keep-checkpoints', '3']);
    expect([config.threads, config.epochs, config.sharedViews, config.keepCheckpoints, mode]).toEqual([1, 2, true, 3, 'overwrite']);
    const split = parseTrainArgs(['--chunk', '8', '--recompute', 'always', '--backend', 'wasm,webgpu']).config;
    expect([split.chunk, split.recompute, split.backend]).toEqual([8, 'always', 'wasm,webgpu']);
    expect(parseTrainArgs(['--chunk', 'auto']).config.chunk).toBe('auto');
  });
});
