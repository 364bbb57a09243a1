/**
 * File-system failures as typed errors that name the path, what was being done and the likely fix, instead of
 * Node's bare `ENOSPC: no space left on device, write`. `fsStep` wraps one operation; `describeSystemError`
 * turns any stray system error into the same form at the top level of the command.
 */
import { DogoError } from '@dogo/core';

/** A read or write of a file or folder failed; the message names the path, the errno code and what to do. */
export class FileSystemError extends DogoError {
  constructor(message: string, readonly code: string, readonly path: string) {
    super(message);
  }
}

/** What each errno means to a user and what to do about it. */
const HINTS: Record<string, string> = {
  ENOSPC: 'the disk is full; free some space or choose a folder on another disk',
  EDQUOT: 'the disk quota is used up; free some space or choose a folder on another disk',
  EROFS: 'the file system is read-only; choose a writable folder',
  EACCES: 'permission denied; check the owner and mode of the path (ls -ld) or choose another folder',
  EPERM: 'the operation is not permitted here; check the owner and mode of the path (ls -ld) or choose another folder',
  EISDIR: 'it is a folder where a file was expected; pass a file',
  ENOTDIR: 'a part of the path is a file where a folder was expected; choose another path',
  ENOENT: 'it does not exist; check the path',
  EEXIST: 'it already exists',
  EFBIG: 'the file is larger than the file-size limit (ulimit -f) allows; raise the limit or choose smaller settings',
  EMFILE: 'too many files are open; raise the limit (ulimit -n)',
  ENAMETOOLONG: 'the path is too long; choose a shorter one',
  EIO: 'the disk reported an input/output error; check the device',
  ENXIO: 'it is a special file (socket or device) that cannot be read as a file; pass a regular file',
};

interface SystemError extends Error {
  code: string;
  path?: string;
  syscall?: string;
}

/** Whether `e` is a Node system error with an errno code. */
export function isSystemError(e: unknown): e is SystemError {
  return e instanceof Error && !(e instanceof FileSystemError) && typeof (e as Partial<SystemError>).code === 'string' && /^E[A-Z]+$/.test((e as SystemError).code);
}

/** The FileSystemError for a failed `action` ("write the checkpoint") on `file`, or `e` itself if it is no system error. */
export function describeSystemError(e: unknown, action?: string, file?: string): unknown {
  if (!isSystemError(e)) return e;
  const where = file ?? e.path ?? '(unknown path)';
  const doing = action ?? (e.syscall ? `${e.syscall}` : 'access');
  const hint = HINTS[e.code] ?? (e.message.split(',')[0] ?? e.code);
  return new FileSystemError(`cannot ${doing} ${where} (${e.code}): ${hint}`, e.code, where);
}

/** Runs one file-system operation; a system error becomes a FileSystemError naming `file` and `action`. */
export function fsStep<T>(action: string, file: string, op: () => T): T {
  try {
    return op();
  } catch (e) {
    throw describeSystemError(e, action, file);
  }
}
