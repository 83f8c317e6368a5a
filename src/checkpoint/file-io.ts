/**
 * Node file I/O shared by the weight formats: reading a whole file with errors that name the path,
 * and replacing a file atomically (write a temporary file in the same directory, then rename), so
 * an interrupted export never leaves a half-written checkpoint under the real name.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CheckpointError } from '../errors.js';

/**
 * Reads a whole file; a missing file or a directory is a CheckpointError naming the path.
 * Returns a plain Uint8Array view: a Buffer's `slice` shares memory, a Uint8Array's copies, and
 * the decoders rely on the latter.
 */
export function readFileBytes(path: string): Uint8Array {
  try {
    const buf = readFileSync(path);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CheckpointError(`${path}: weights file not found`);
    if (code === 'EISDIR') throw new CheckpointError(`${path}: is a directory, expected a weights file`);
    throw new CheckpointError(`${path}: cannot read weights file (${(e as Error).message})`);
  }
}

let tempCounter = 0;

/**
 * Writes the chunks to `path` atomically: the data goes to `.<name>.<pid>.<n>.tmp` beside it,
 * is flushed to disk, then renamed over `path` (rename within a directory is atomic on POSIX and
 * replaces the target on Windows too). Chunks are written one by one, never concatenated, so a
 * large model needs no second copy in memory.
 */
export function writeFileAtomic(path: string, chunks: Iterable<Uint8Array>): void {
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
    if (e instanceof CheckpointError) throw e;
    throw new CheckpointError(`${path}: cannot write weights file (${(e as Error).message})`);
  }
}
