/**
 * Atomic file replacement, the one mechanism every writer uses: the data goes to a temporary file
 * beside the target, is flushed to disk, then renamed over it (atomic within a directory on POSIX),
 * so a crash never leaves half a file under the real name. Chunks are written one by one, never
 * concatenated, so a large model needs no second copy in memory.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

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
    throw e;
  }
}

/** A text or byte file, atomically; creates the parent directory. */
export function writeTextAtomic(path: string, text: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  writeChunksAtomic(path, [typeof text === 'string' ? Buffer.from(text, 'utf8') : text]);
}
