/**
 * `npm run docs` keeps working: TypeDoc reads every entry of typedoc.json and would write the API reference
 * (here it writes nothing); a warning (a broken {@link}, an entry that no longer exists) fails the test.
 */
import { expect, test } from 'vitest';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

test('TypeDoc generates the API reference without warnings', () => {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/typedoc/bin/typedoc'), '--emit', 'none', '--treatWarningsAsErrors'], { cwd: ROOT, encoding: 'utf8' });
  expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
}, 300_000);
