/**
 * Property-based fuzzing (fast-check) of the configuration schema: any JSON value as a config file, and the
 * default configuration with any key set to any JSON value, is accepted as a configuration the trainer can use
 * or refused with one ConfigError whose every line names the key at fault.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ConfigError, DEFAULT_CONFIG } from './train_config.js';
import { validateConfig, validatePartialConfig } from './train_config_schema.js';

function acceptOrRefuse(check: () => unknown): void {
  try {
    check();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    for (const line of e.message.split('\n')) expect(line).toMatch(/^fuzz: (.*must (be|hold)|.*unknown key)/);
  }
}

const keys = [...Object.keys(DEFAULT_CONFIG), 'steps', 'threads'];
const modelKeys = ['name', 'arch', 'stages', 'blocks', 'width', 'stem', 'lambda', 'optimizer', 'objective', 'headHidden', 'headOut'];
const optKeys = ['kind', 'lr', 'weightDecay', 'momentum', 'beta1', 'beta2', 'eps', 'eta', 'warmupSteps', 'schedule'];

describe('fuzz: configuration', () => {
  it('any JSON value as a config file', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => acceptOrRefuse(() => validatePartialConfig(v, 'fuzz'))), { numRuns: 1500 });
  });

  it('the default with one setting (top level, a model, an optimizer) replaced by any JSON value', () => {
    fc.assert(fc.property(fc.constantFrom(...keys), fc.constantFrom(...modelKeys), fc.constantFrom(...optKeys), fc.integer({ min: 0, max: 2 }), fc.jsonValue({ maxDepth: 2 }), (k, mk, ok, level, v) => {
      const c = structuredClone(DEFAULT_CONFIG) as unknown as Record<string, unknown> & { models: Record<string, unknown>[] };
      if (level === 0) c[k] = v;
      else if (level === 1) c.models[0]![mk] = v;
      else (c.models[0]!['optimizer'] as Record<string, unknown>)[ok] = v;
      acceptOrRefuse(() => {
        const ok_ = validateConfig(c, 'fuzz');
        // Accepted: the numbers the trainer divides by or counts with are usable.
        expect(ok_.temperature > 0 && ok_.kdTemperature > 0 && ok_.batchSize >= 2 && ok_.epochs >= 1).toBe(true);
        for (const m of ok_.models) expect(m.optimizer.lr > 0 && (m.optimizer.weightDecay ?? 0) >= 0).toBe(true);
      });
    }), { numRuns: 2000 });
  });
});
