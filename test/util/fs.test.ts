/** File-system errors become one plain line naming the path; our temporaries are recognised by name. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fsErrorMessage, tempOwner, writeTextAtomic } from '../../src/util/fs.js';
import { immutableWorks, withReadOnly } from '../helpers/read-only.js';

function errno(code: string, path?: string, dest?: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: something, open '${path}'`), { code, path, dest, syscall: 'open' });
}

describe('fsErrorMessage', () => {
  it('permission denied (EACCES) is one plain line naming the path', () => {
    expect(fsErrorMessage(errno('EACCES', '/data/run/recipe.yaml'))).toBe('/data/run/recipe.yaml: permission denied');
  });

  it('a read-only file system (EROFS) is one plain line naming the path', () => {
    expect(fsErrorMessage(errno('EROFS', '/mnt/ro/run'))).toBe('/mnt/ro/run: read-only file system');
  });

  it('a rename names both ends', () => {
    expect(fsErrorMessage(errno('EACCES', '/a/.x.tmp-1-2', '/a/x'))).toBe('/a/.x.tmp-1-2 -> /a/x: permission denied');
  });

  it('full disk, a file where a folder was expected, and a missing file', () => {
    expect(fsErrorMessage(errno('ENOSPC', '/d/m.safetensors'))).toBe('/d/m.safetensors: no space left on the device');
    expect(fsErrorMessage(errno('ENOTDIR', '/d/file/run'))).toBe('/d/file/run: a part of this path is a file, not a folder');
    expect(fsErrorMessage(errno('ENOENT', '/nope'))).toBe('/nope: no such file or folder');
  });

  it('errors without a path or with another code stay bugs (undefined)', () => {
    expect(fsErrorMessage(errno('EACCES'))).toBeUndefined();
    expect(fsErrorMessage(errno('ECONNRESET', '/x'))).toBeUndefined();
    expect(fsErrorMessage(new TypeError('x is undefined'))).toBeUndefined();
    expect(fsErrorMessage('EACCES')).toBeUndefined();
  });

  it('an atomic write under a file names that file: it is not a folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tb-fs-'));
    writeFileSync(join(dir, 'file'), '');
    expect(fsErrorMessage(thrown(() => writeTextAtomic(join(dir, 'file', 'x.json'), '{}')))).toBe(`${join(dir, 'file')}: is a file, expected a folder`);
  });

  it.skipIf(!immutableWorks())('an atomic write into a read-only folder names the target file, not its temporary', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tb-fs-'));
    const err = withReadOnly(dir, () => thrown(() => writeTextAtomic(join(dir, 'x.json'), '{}')));
    expect(fsErrorMessage(err)).toBe(`${join(dir, 'x.json')}: operation not permitted (read-only or immutable?)`);
  });
});

function thrown(f: () => void): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('tempOwner', () => {
  it('reads the pid from every temporary name tinybert writes and nothing else', () => {
    expect(tempOwner('.final.tmp-123-1700000000000')).toBe(123);
    expect(tempOwner('.final.tmp-123-1700000000000-4')).toBe(123);
    expect(tempOwner('.checkpoint.ckpt-77-1700000000000')).toBe(77);
    expect(tempOwner('.export.old-9-1700000000000-1')).toBe(9);
    expect(tempOwner('.done.json.456.0.tmp')).toBe(456);
    for (const name of ['final', 'notes.tmp', '.final.tmp-abc', '.git', 'x.tmp-1-2', '.hidden.1.tmp']) expect(tempOwner(name), name).toBeUndefined();
  });
});
