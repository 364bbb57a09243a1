/**
 * Where the test suites find conformance vectors (test-only, Node). Two sets, same format:
 * - the repository's own `vectors/` (made by tools/vectors/make_vectors.py), always there: a missing or empty
 *   folder throws, so a test can never pass by finding nothing;
 * - the shared PyTorch vectors, an extra set that runs when present: `$DOGO_SHARED_VECTORS` when set (an empty
 *   value turns the set off, e.g. to check what a fresh clone runs), else `<repo>/../shared/vectors`.
 * It reads no case; callers run them.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The repository's own vectors. */
export const REPO_VECTORS = path.join(REPO_ROOT, 'vectors');

export interface VectorSet {
  /** How reports name the set: `vectors` or the shared folder's path. */
  name: string;
  dir: string;
}

/** The shared vectors folder, or null where it is absent or turned off by an empty $DOGO_SHARED_VECTORS. */
export function sharedVectorsDir(): string | null {
  const env = process.env['DOGO_SHARED_VECTORS'];
  const dir = env === undefined ? path.resolve(REPO_ROOT, '../shared/vectors') : env === '' ? null : path.resolve(env);
  return dir && existsSync(dir) ? dir : null;
}

/** Every *.json case under dir, recursively, as paths relative to dir with forward slashes, sorted. */
export function caseFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = path.join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.json')) out.push(path.relative(dir, p).split(path.sep).join('/'));
    }
  };
  walk(dir);
  return out;
}

/** The repository's set (checked to hold cases), then the shared set where there is one. */
export function vectorSets(): VectorSet[] {
  if (!existsSync(REPO_VECTORS) || caseFiles(REPO_VECTORS).length === 0) {
    throw new Error(`no conformance case under ${REPO_VECTORS}; regenerate them with /usr/bin/python3 tools/vectors/make_vectors.py`);
  }
  const shared = sharedVectorsDir();
  return [{ name: 'vectors', dir: REPO_VECTORS }, ...(shared ? [{ name: path.relative(REPO_ROOT, shared) || shared, dir: shared }] : [])];
}

/** Each folder of each set (ops/, dogo/, ...), as absolute paths. */
export function vectorFolders(): string[] {
  return vectorSets().flatMap((s) => readdirSync(s.dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => path.join(s.dir, d.name)));
}

/** The named case file (e.g. `ops/relu.json`) in every set that has it; the repository's set must. */
export function vectorFile(rel: string): string[] {
  const found = vectorSets().map((s) => path.join(s.dir, rel)).filter((p) => existsSync(p));
  if (!found[0]?.startsWith(REPO_VECTORS)) throw new Error(`${path.join(REPO_VECTORS, rel)} is missing; regenerate with /usr/bin/python3 tools/vectors/make_vectors.py`);
  return found;
}
