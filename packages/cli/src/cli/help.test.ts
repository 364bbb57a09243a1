/**
 * The command line's shape: every subcommand answers --help and -h with the same text; the train flags map onto
 * the configuration schema's keys; the workspace bin runs from the repository root (what `npx dogo` finds).
 */
import { describe, expect, test } from 'vitest';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CommanderError } from 'commander';
import { buildProgram, COMMANDS } from '../program.js';
import { CONFIG_FLAGS, RUN_FLAGS } from '../train/train_flags.js';
import { CONFIG_KEYS } from '../train/train_config_schema.js';
import { optionKey } from './flags.js';
import { parseTrainArgs } from '../commands/train.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

/** What the program prints for `args`, and how it ended. */
async function run(args: string[]): Promise<{ out: string; err: string; code: string }> {
  let out = '';
  let err = '';
  const program = buildProgram();
  const capture = (c: typeof program) => c.configureOutput({ writeOut: (s) => { out += s; }, writeErr: (s) => { err += s; } });
  capture(program);
  for (const c of program.commands) capture(c);
  try {
    await program.parseAsync(args, { from: 'user' });
    return { out, err, code: 'ran' };
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    return { out, err, code: e.code };
  }
}

describe('help', () => {
  const names = COMMANDS.map((make) => make().name());

  test.each(names)('dogo %s answers --help and -h with the same usage', async (name) => {
    const long = await run([name, '--help']);
    const short = await run([name, '-h']);
    expect(long.code).toBe('commander.helpDisplayed');
    expect(short).toEqual(long);
    expect(long.out).toMatch(new RegExp(`^Usage: dogo ${name} `));
    expect(long.out).toContain('-h, --help');
  });

  test('dogo --help lists every command; an unknown flag is refused by name', async () => {
    const top = await run(['--help']);
    for (const n of names) expect(top.out).toContain(`  ${n} `);
    const bad = await run(['eval', 'runs/x', '--bogus']);
    expect(bad.code).toBe('commander.unknownOption');
    expect(bad.err).toContain("unknown option '--bogus'");
  });

  test('dogo train --help shows every flag of the table', async () => {
    const { out } = await run(['train', '--help']);
    for (const f of [...RUN_FLAGS, ...CONFIG_FLAGS]) expect(out).toContain(f.flags);
  });
});

describe('train flags and the configuration schema', () => {
  test('each configuration flag sets a schema key; the others set none', () => {
    for (const f of CONFIG_FLAGS) expect(CONFIG_KEYS).toContain(optionKey(f));
    for (const f of RUN_FLAGS) expect(CONFIG_KEYS).not.toContain(optionKey(f));
  });

  test('every configuration flag reaches the configuration', () => {
    const values: Record<string, string> = { data: 'embedded', backend: 'wasm', reduction: 'batchmean', out: 'runs/x', threads: '1', recompute: 'never' };
    const args = CONFIG_FLAGS.flatMap((f) => (f.type === 'boolean' ? [f.flags] : [f.flags.split(' ')[0]!, values[optionKey(f)] ?? '3']));
    const { config } = parseTrainArgs(args);
    for (const f of CONFIG_FLAGS) {
      const key = optionKey(f);
      const want = f.type === 'boolean' ? true : f.type === 'number' ? Number(values[key] ?? '3') : values[key];
      expect((config as unknown as Record<string, unknown>)[key], key).toEqual(want);
    }
  });
});

test('the workspace bin runs from the repository root (npx dogo)', () => {
  const bin = path.join(ROOT, 'node_modules/.bin/dogo');
  const r = spawnSync(bin, ['--help'], { cwd: ROOT, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  expect(r.stdout).toMatch(/^Usage: dogo <command> \[options\]/);
  const bad = spawnSync(bin, ['train', '--bogus'], { cwd: ROOT, encoding: 'utf8' });
  expect(bad.status).toBe(2);
  expect(bad.stderr).toContain("unknown option '--bogus'");
});
