/**
 * Node file I/O shared by the weight formats: reading a whole file with errors that name the path,
 * and replacing a file atomically (the shared mechanism of src/util/fs.ts), so an interrupted export
 * never leaves a half-written checkpoint under the real name.
 */
import { readFileSync } from 'node:fs';
import { CheckpointError } from '../errors.js';
import { writeChunksAtomic } from '../util/fs.js';

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

/** Writes the chunks to `path` atomically (src/util/fs.ts); failures name the weights file. */
export function writeFileAtomic(path: string, chunks: Iterable<Uint8Array>): void {
  try {
    writeChunksAtomic(path, chunks);
  } catch (e) {
    throw new CheckpointError(`${path}: cannot write weights file (${(e as Error).message})`);
  }
}
