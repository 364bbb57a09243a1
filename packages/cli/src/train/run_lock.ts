/**
 * A run folder's lock: `dogo.lock` holding the writer's PID, host and start time, written beside it first and
 * hard-linked into place (link fails if the name exists), so two runs cannot both take it and nobody ever
 * reads a half-written lock. A lock whose process is gone (same host, no such PID) is stale and taken over.
 * Not proper-lockfile: that one detects staleness by a refresh timer, which a wasm step (the main thread busy for
 * seconds) would starve; a PID is checked without the holder doing anything. Limits: a lock written on another
 * host is never judged stale (the message says to delete it); a recycled PID is told apart by the process start
 * time in /proc where there is one (Linux), and elsewhere looks alive.
 */
import { linkSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DogoError } from '@dogo/core';
import { fsStep } from '../fs_errors.js';

export const LOCK_FILE = 'dogo.lock';

/** Another live run writes this folder. */
export class RunFolderLockedError extends DogoError {}

interface LockInfo {
  pid: number;
  host: string;
  started: string;
  /** The process's start time in clock ticks since boot (/proc/PID/stat field 22), where /proc exists. */
  procStart?: string;
}

/** A held lock; `release` removes the lock file (once; later calls do nothing). */
export interface RunLock {
  readonly file: string;
  release(): void;
}

function procStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (the command) may hold spaces and parentheses; the fields after its closing one are plain.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function alive(held: LockInfo): boolean {
  try {
    process.kill(held.pid, 0);
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const now = procStart(held.pid);
  return held.procStart === undefined || now === undefined || now === held.procStart;
}

function sameLock(a: LockInfo | undefined, b: LockInfo): boolean {
  return a !== undefined && a.pid === b.pid && a.host === b.host && a.started === b.started;
}

function readLock(file: string): LockInfo | undefined {
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockInfo>;
    if (!Number.isInteger(v.pid) || typeof v.host !== 'string') return undefined;
    return { pid: v.pid!, host: v.host, started: String(v.started), ...(typeof v.procStart === 'string' ? { procStart: v.procStart } : {}) };
  } catch {
    return undefined;
  }
}

/**
 * Takes the lock of `dir` (which must exist) for this process, or throws RunFolderLockedError naming the run
 * that holds it. A stale lock (its process gone) or an unreadable one left by a killed writer is replaced.
 */
export function acquireRunLock(dir: string): RunLock {
  const file = path.join(dir, LOCK_FILE);
  const start = procStart(process.pid);
  const mine: LockInfo = { pid: process.pid, host: os.hostname(), started: new Date().toISOString(), ...(start ? { procStart: start } : {}) };
  const draft = `${file}.tmp-${process.pid}`;
  fsStep('write the lock file', draft, () => writeFileSync(draft, JSON.stringify(mine)));
  try {
    return takeLock(dir, file, draft, mine);
  } finally {
    rmSync(draft, { force: true });
  }
}

function takeLock(dir: string, file: string, draft: string, mine: LockInfo): RunLock {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      linkSync(draft, file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return fsStep('create the lock file', file, () => { throw e; });
      const held = readLock(file);
      if (held && held.pid !== process.pid && (held.host !== mine.host || alive(held))) {
        const other = held.host === mine.host ? '' : ` on host ${held.host} (a lock from another host is never taken over: if no run is writing, delete ${file})`;
        throw new RunFolderLockedError(`${dir} is in use by another dogo run (PID ${held.pid}${other}, started ${held.started}); wait for it to finish, stop it, or choose another --out`);
      }
      // Stale (its writer is gone) or unreadable (not written by dogo): move it aside and try again. Moving, not
      // deleting, lets a starter that raced us to it see whether it moved the stale lock or a fresh one.
      const aside = `${file}.stale-${process.pid}`;
      try {
        renameSync(file, aside);
      } catch {
        continue; // another starter moved it first; the next attempt decides
      }
      if (held && !sameLock(readLock(aside), held)) {
        try {
          linkSync(aside, file); // a fresh lock taken meanwhile: put it back
        } catch {
          // the name was taken again; the next attempt reads it
        }
      }
      rmSync(aside, { force: true });
      continue;
    }
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      process.off('exit', release);
      const now = readLock(file);
      if (now?.pid === process.pid) unlinkSync(file);
    };
    // process.exit() (a second Ctrl-C) skips finally blocks; the exit hook still removes the lock.
    process.on('exit', release);
    return { file, release };
  }
  throw new RunFolderLockedError(`${dir}: could not take ${file} after three tries; another run is starting there; choose another --out`);
}
