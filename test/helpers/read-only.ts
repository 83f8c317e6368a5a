/**
 * A read-only folder for output-path tests. The tests run as root, which ignores permission bits,
 * so an immutable folder (chattr +i, writes fail with EPERM) stands in for a read-only mount.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** True when chattr +i works here (ext4 and friends; not tmpfs or overlay without the attribute). */
export function immutableWorks(): boolean {
  const dir = mkdtempSync(join(tmpdir(), 'tb-chattr-'));
  try {
    execFileSync('chattr', ['+i', dir], { stdio: 'ignore' });
    execFileSync('chattr', ['-i', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Runs `f` with `dir` made immutable, and always makes it writable again. */
export function withReadOnly<T>(dir: string, f: () => T): T {
  execFileSync('chattr', ['+i', dir]);
  try {
    return f();
  } finally {
    execFileSync('chattr', ['-i', dir]);
  }
}
