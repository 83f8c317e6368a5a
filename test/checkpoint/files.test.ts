import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectFormat, readWeights } from '../../src/checkpoint/files.js';
import { writePytorchBin } from '../../src/checkpoint/pytorch.js';
import { writeSafetensors } from '../../src/checkpoint/safetensors.js';
import { writeTfjsWeights } from '../../src/checkpoint/tfjs-weights.js';
import { concat, expectCheckpointError, expectSameTensors, sampleTensors, tempDir, utf8 } from './fixtures.js';

const dir = tempDir();

/** A valid safetensors file holding one F32 scalar whose header is padded to `n` bytes. */
function safetensorsWithHeaderLength(n: number): Uint8Array {
  const json = JSON.stringify({ x: { dtype: 'F32', shape: [], data_offsets: [0, 4] } });
  const length = new Uint8Array(8);
  new DataView(length.buffer).setBigUint64(0, BigInt(n), true);
  return concat(length, utf8(json.padEnd(n, ' ')), new Uint8Array(Float32Array.of(2.5).buffer));
}

describe('readWeights dispatches on content, not on the file name', () => {
  it('safetensors, pytorch zip and tfjs (directory or model.json), whatever the names', () => {
    const st = join(dir, 'weights.dat');
    const pt = join(dir, 'model.safetensors'); // a zip despite its name
    const tj = join(dir, 'tfjs');
    writeSafetensors(st, sampleTensors());
    writePytorchBin(join(dir, 'x.bin'), sampleTensors());
    copyFileSync(join(dir, 'x.bin'), pt);
    writeTfjsWeights(tj, sampleTensors());
    for (const [path, format] of [[st, 'safetensors'], [pt, 'pytorch'], [tj, 'tfjs'], [join(tj, 'model.json'), 'tfjs']] as const) {
      const r = readWeights(path);
      expect(r.format, path).toBe(format);
      expectSameTensors(r.tensors, sampleTensors());
    }
  });

  it('safetensors whose header length starts with the bytes "PK", 0x80 0x02 or "{"', () => {
    for (const n of [0x4b50, 0x0280, 0x7b + 0x100]) {
      const path = join(dir, `len${n}.safetensors`);
      writeFileSync(path, safetensorsWithHeaderLength(n));
      expect(detectFormat(path)).toBe('safetensors');
      expect(Array.from(readWeights(path).tensors.get('x')!.data)).toEqual([2.5]);
    }
  });

  it('legacy torch files go to the pytorch reader (one cut after its magic number is truncated), unknown bytes get the safetensors reasons', () => {
    const legacy = join(dir, 'legacy.bin');
    writeFileSync(legacy, new Uint8Array([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e]));
    expect(detectFormat(legacy)).toBe('pytorch');
    expectCheckpointError(() => readWeights(legacy), 'legacy.bin', 'legacy torch.save file ends before its protocol version pickle (truncated?)');
    const junk = join(dir, 'junk.bin');
    writeFileSync(junk, utf8('not weights at all'));
    expectCheckpointError(() => readWeights(junk), 'junk.bin', 'header length');
  });

  it('a missing path is named', () => {
    const path = join(dir, 'nowhere', 'pytorch_model.bin');
    expectCheckpointError(() => readWeights(path), path, 'not found');
  });
});
