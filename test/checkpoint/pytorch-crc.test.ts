import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { readPytorchBin, writePytorchBin } from '../../src/checkpoint/pytorch.js';
import { describeGolden, GOLDEN } from '../helpers/shared.js';
import { expectCheckpointError, expectSameTensors, sampleTensors, tempDir } from './fixtures.js';

const dir = tempDir();

/** Offset of the data of the named record, found through the central directory (no zip64). */
function recordOffset(bytes: Uint8Array, name: string): number {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = bytes.length - 22; // no archive comment
  for (let at = v.getUint32(end + 16, true), i = 0; i < v.getUint16(end + 10, true); i++) {
    const nameLength = v.getUint16(at + 28, true);
    if (new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength)) === name) {
      const local = v.getUint32(at + 42, true);
      return local + 30 + v.getUint16(local + 26, true) + v.getUint16(local + 28, true);
    }
    at += 46 + nameLength + v.getUint16(at + 30, true) + v.getUint16(at + 32, true);
  }
  throw new Error(`no record ${name}`);
}

function flipped(bytes: Uint8Array, at: number, bit = 0): Uint8Array {
  const out = Uint8Array.from(bytes);
  out[at]! ^= 1 << bit;
  return out;
}

describe('pytorch zip checkpoints: CRC-32 of every record', () => {
  it('refuses a bit-flipped storage record, naming the file and the record', () => {
    const path = join(dir, 'model.bin');
    writePytorchBin(path, sampleTensors());
    const bytes = readFileSync(path);
    const bad = join(dir, 'flipped.bin');
    writeFileSync(bad, flipped(bytes, recordOffset(bytes, 'model/data/0') + 5, 3));
    expectCheckpointError(() => readPytorchBin(bad), /^flipped\.bin: record "model\/data\/0" is corrupted: CRC-32 0x[0-9a-f]{8} but the archive says 0x[0-9a-f]{8}$/);
  });

  it('refuses a bit flip in data.pkl and in a record the reader does not otherwise use', () => {
    const path = join(dir, 'other.bin');
    writePytorchBin(path, sampleTensors());
    const bytes = readFileSync(path);
    for (const record of ['other/data.pkl', 'other/version']) {
      const bad = join(dir, 'bad.bin');
      writeFileSync(bad, flipped(bytes, recordOffset(bytes, record)));
      expectCheckpointError(() => readPytorchBin(bad), `bad.bin: record "${record}" is corrupted`);
    }
  });

  it('refuses a CRC field edited in the central directory', () => {
    const path = join(dir, 'crc.bin');
    writePytorchBin(path, sampleTensors());
    const bytes = Uint8Array.from(readFileSync(path));
    const v = new DataView(bytes.buffer);
    const central = bytes.length - 22 - v.getUint32(bytes.length - 22 + 12, true); // first central entry
    v.setUint32(central + 16, v.getUint32(central + 16, true) ^ 1, true);
    writeFileSync(path, bytes);
    expectCheckpointError(() => readPytorchBin(path), 'crc.bin: record "crc/data.pkl" is corrupted');
  });

  it('reads deflate-compressed records (a re-zipped checkpoint) and checks their CRC too', () => {
    const stored = join(dir, 'stored.bin');
    writePytorchBin(stored, sampleTensors());
    const records = unzipSync(readFileSync(stored)); // fflate: independent of the reader under test
    const path = join(dir, 'deflated.bin');
    writeFileSync(path, zipSync(records, { level: 9 }));
    expectSameTensors(readPytorchBin(path), sampleTensors());
  });
});

describeGolden('pytorch zip checkpoints: CRC-32 on the golden teacher', () => {
  it('refuses the golden teacher pytorch_model.bin with one flipped weight bit', () => {
    const bytes = readFileSync(join(GOLDEN, 'nezha_teacher', 'pytorch_model.bin'));
    const path = join(dir, 'pytorch_model.bin');
    // The top bit of an exponent: without the CRC this loads, with one weight scaled by 2^±64.
    writeFileSync(path, flipped(bytes, recordOffset(bytes, 'pytorch_model/data/0') + 403, 6));
    expectCheckpointError(() => readPytorchBin(path), 'pytorch_model.bin: record "pytorch_model/data/0" is corrupted');
    writeFileSync(path, bytes);
    expect(readPytorchBin(path).size).toBeGreaterThan(0);
  });
});
