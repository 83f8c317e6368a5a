/**
 * Atomic file replacement, the one mechanism every writer uses: the data goes to a temporary file
 * beside the target, is flushed to disk, then renamed over it (atomic within a directory on POSIX),
 * so a crash never leaves half a file under the real name. Chunks are written one by one, never
 * concatenated, so a large model needs no second copy in memory.
 *
 * Temporaries carry the writer's pid, so entries left by a killed process can be recognised and
 * removed later (`removeDeadTemps`) without touching a living writer's files or anything else:
 *   .<name>.<pid>.<n>.tmp          a file being written (writeChunksAtomic)
 *   .<name>.tmp-<pid>-<time>       a model folder being assembled (saveModelDir)
 *   .<name>.ckpt-<pid>-<time>      a training checkpoint being assembled
 *   .<name>.old-<pid>-<time>       a replaced folder about to be deleted
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';

let tempCounter = 0;

export function writeChunksAtomic(path: string, chunks: Iterable<Uint8Array>): void {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${tempCounter++}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(temp, 'wx');
    for (const chunk of chunks) {
      let done = 0;
      while (done < chunk.length) done += writeSync(fd, chunk, done, chunk.length - done);
    }
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, path);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    rmSync(temp, { force: true });
    // Name the file the user asked for, not our temporary.
    const err = e as NodeJS.ErrnoException;
    if (err.path === temp) err.path = path;
    throw e;
  }
}

/** A text or byte file, atomically; creates the parent directory. */
export function writeTextAtomic(path: string, text: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  writeChunksAtomic(path, [typeof text === 'string' ? Buffer.from(text, 'utf8') : text]);
}

/** True when `inner` is `outer` or lies inside it (paths resolved against the working folder). */
export function isWithin(inner: string, outer: string): boolean {
  const rel = relative(resolve(outer), resolve(inner));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** Name of a folder assembled beside `dir` before it is renamed into place (see the header). */
export function tempDirName(dir: string, kind: 'tmp' | 'ckpt' | 'old'): string {
  return join(dirname(dir), `.${basename(dir)}.${kind}-${process.pid}-${Date.now()}-${tempCounter++}`);
}

const TEMP_PATTERNS = [/^\..+\.(?:tmp|ckpt|old)-(\d+)-\d+(?:-\d+)?$/, /^\..+\.(\d+)\.\d+\.tmp$/];

/** The pid that wrote a temporary entry named `name`, or undefined when the name is not ours. */
export function tempOwner(name: string): number | undefined {
  for (const re of TEMP_PATTERNS) {
    const m = re.exec(name);
    if (m) return Number(m[1]);
  }
  return undefined;
}

/** True while process `pid` exists (EPERM: it exists but belongs to someone else). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temporaries in `dir` (and, to `depth` levels, in its sub-folders) whose writer is
 * dead; `prefix` limits it to entries beside one target (`.<name>.`). Returns the removed paths.
 */
export function removeDeadTemps(dir: string, opts: { depth?: number; prefix?: string } = {}): string[] {
  const removed: string[] = [];
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return removed;
  }
  for (const e of entries) {
    const path = join(dir, e.name);
    const owner = tempOwner(e.name);
    if (owner !== undefined && (!opts.prefix || e.name.startsWith(opts.prefix)) && owner !== process.pid && !pidAlive(owner)) {
      rmSync(path, { recursive: true, force: true });
      removed.push(path);
    } else if (owner === undefined && e.isDirectory() && (opts.depth ?? 0) > 0) {
      removed.push(...removeDeadTemps(path, { ...opts, depth: (opts.depth ?? 0) - 1 }));
    }
  }
  return removed;
}

const FS_REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted (read-only or immutable?)',
  EROFS: 'read-only file system',
  ENOTDIR: 'a part of this path is a file, not a folder',
  EISDIR: 'is a folder, expected a file',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EEXIST: 'already exists',
  ENOENT: 'no such file or folder',
  ENOTEMPTY: 'folder is not empty',
  ENAMETOOLONG: 'name too long',
  EBUSY: 'is busy (a mount point or open elsewhere?)',
};

/**
 * A Node file-system error (`code` + `path`) as the one line the CLI prints: `<path>: <reason>`.
 * Undefined for anything else, which stays a bug with its stack.
 */
export function fsErrorMessage(e: unknown): string | undefined {
  if (!(e instanceof Error)) return undefined;
  const { code, path, dest, syscall } = e as NodeJS.ErrnoException & { dest?: string };
  if (!code || !(code in FS_REASONS) || typeof path !== 'string') return undefined;
  // mkdir of a path held by a file fails with EEXIST.
  const reason = code === 'EEXIST' && syscall === 'mkdir' ? 'is a file, expected a folder' : FS_REASONS[code];
  return `${path}${typeof dest === 'string' ? ` -> ${dest}` : ''}: ${reason}`;
}
