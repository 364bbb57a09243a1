/**
 * Bad paths and full disks, as a user meets them: every file-system error names the path and a fix, exits
 * non-zero, and leaves no temporary file. A write failing part-way (the file-size limit, `ulimit -f`, stands
 * in for a full disk: the same failed write, without needing a small file system) is one of them.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describeSystemError, FileSystemError } from '../fs_errors.js';
import { dogo, main, makeWorkspace, writeConfig, type Workspace } from './test_dogo_process.js';

let ws: Workspace;
beforeAll(async () => {
  ws = await makeWorkspace('dogo-errors-');
});

describe('file-system errors', () => {
  it('names an --out below a file (ENOTDIR) and a --config that is a folder (EISDIR)', () => {
    const file = path.join(ws.work, 'a-file');
    writeFileSync(file, 'x');
    const r = dogo(ws, ['train', '--config', writeConfig(ws, 'notdir', { backend: 'wasm', steps: 2 }), '--out', path.join(file, 'run')]);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`cannot create the run folder ${path.join(file, 'run')} (ENOTDIR): a part of the path is a file where a folder was expected`);
    const dir = path.join(ws.work, 'a-folder.json');
    mkdirSync(dir);
    const c = dogo(ws, ['train', '--config', dir]);
    expect(c.code).toBe(1);
    expect(c.out).toContain(`cannot read the config file ${dir} (EISDIR): it is a folder where a file was expected`);
  });

  it('names the checkpoint a failed write could not finish, and leaves no temporary file', () => {
    const out = path.join(ws.work, 'run-full-disk');
    const cfg = writeConfig(ws, 'full', { backend: 'wasm', threads: 1, steps: 4, linearEpochs: 0 });
    // 64 blocks of 512 bytes: the metrics and config fit, a checkpoint (about 100 kB) does not.
    const r = spawnSync('bash', ['-c', `ulimit -f 64; exec "${process.execPath}" "${main}" train --config "${cfg}" --out "${out}"`], { encoding: 'utf8', cwd: ws.work });
    expect(r.status, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`cannot write ${out}/step-2\\.safetensors \\(EFBIG\\): the file is larger than the file-size limit`));
    expect(readdirSync(out).filter((f) => f.includes('.tmp-'))).toEqual([]);
    expect(readdirSync(out)).not.toContain('dogo.lock');
  });

  it('gives each errno a path and a hint', () => {
    const err = (code: string) => Object.assign(new Error(`${code}: raw, write`), { code, path: '/x/y', syscall: 'write' });
    for (const [code, hint] of [['ENOSPC', 'the disk is full; free some space'], ['EROFS', 'the file system is read-only'], ['EACCES', 'permission denied; check the owner'], ['EDQUOT', 'the disk quota is used up']]) {
      const e = describeSystemError(err(code), 'write the checkpoint', '/run/step-2.safetensors');
      expect(e).toBeInstanceOf(FileSystemError);
      expect((e as Error).message).toContain(`cannot write the checkpoint /run/step-2.safetensors (${code}): ${hint}`);
    }
    const plain = new TypeError('not a system error');
    expect(describeSystemError(plain)).toBe(plain);
  });
});
