/**
 * Opening a run folder for writing: lock it (run_lock.ts), then decide what may happen to what is there. A new
 * run needs an empty (or new) folder; `--resume` continues the run in it; `--overwrite` first removes the files
 * a dogo run writes, and refuses a folder that holds anything else, so no user file is ever deleted. Temporary
 * files of dogo's own atomic writes left by a killed run are removed once the lock proves no run writes here.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { DogoError } from '@dogo/core';
import { fsStep } from '../fs_errors.js';
import { acquireRunLock, LOCK_FILE, type RunLock } from './run_lock.js';

/** The folder cannot be used as asked (holds another run, or files dogo did not write). */
export class RunFolderError extends DogoError {}

export type RunFolderMode = 'new' | 'resume' | 'overwrite';

/** Names of the files and folders a `dogo train` run writes in its --out (see the README). */
const RUN_FILES = /^(config\.json|run\.json|metrics\.jsonl|checkpoint\.json|step-\d+\.(safetensors|json)|report\.md|loss\.svg|knn\.svg|results\.json|baseline-[A-Za-z][\w-]*|[A-Za-z][\w-]*-encoder\.safetensors)$/;

/** A temporary file of one of dogo's atomic writes (`<name>.tmp-<pid>`), or a lock moved aside. */
export const TEMP_FILE = /^(checkpoint\.json|step-\d+\.(safetensors|json)|dogo\.lock)\.(tmp|stale)-\d+$/;

function describeRun(dir: string): string {
  try {
    const m = JSON.parse(readFileSync(path.join(dir, 'checkpoint.json'), 'utf8')) as { step?: unknown };
    return `a run (checkpoint at step ${JSON.stringify(m.step)})`;
  } catch {
    return existsSync(path.join(dir, 'metrics.jsonl')) ? 'a run without a checkpoint' : 'files of a run';
  }
}

/** Removes the stale temporary files of dogo's own writes in `dir`; call only while holding its lock. */
export function removeStaleTempFiles(dir: string): string[] {
  const gone = readdirSync(dir).filter((f) => TEMP_FILE.test(f));
  for (const f of gone) fsStep('remove the stale temporary file', path.join(dir, f), () => rmSync(path.join(dir, f), { force: true }));
  return gone;
}

/**
 * Creates `dir` if needed, locks it, and prepares it for `mode`; returns the lock (release it when the run ends).
 * Throws RunFolderLockedError if another run holds it, RunFolderError if the mode does not fit what is there.
 */
export function openRunFolder(dir: string, mode: RunFolderMode): RunLock {
  fsStep('create the run folder', dir, () => mkdirSync(dir, { recursive: true }));
  const lock = acquireRunLock(dir);
  try {
    removeStaleTempFiles(dir);
    const entries = readdirSync(dir).filter((f) => f !== LOCK_FILE);
    const foreign = entries.filter((f) => !RUN_FILES.test(f));
    if (mode === 'new' && entries.length > 0) {
      const what = foreign.length === entries.length
        ? `files that are not from a dogo run (${foreign.slice(0, 5).join(', ')}${foreign.length > 5 ? ', ...' : ''})`
        : describeRun(dir);
      throw new RunFolderError(`--out ${dir} already holds ${what}; continue it with --resume, replace it with --overwrite, or choose another --out`);
    }
    if (mode === 'overwrite') {
      if (foreign.length > 0) {
        throw new RunFolderError(`--out ${dir} holds files that are not from a dogo run (${foreign.slice(0, 5).join(', ')}${foreign.length > 5 ? ', ...' : ''}); --overwrite only replaces a run folder, so nothing was deleted; choose another --out or move those files`);
      }
      for (const f of entries) fsStep('remove the earlier run\'s file', path.join(dir, f), () => rmSync(path.join(dir, f), { recursive: true, force: true }));
    }
    return lock;
  } catch (e) {
    lock.release();
    throw e;
  }
}
