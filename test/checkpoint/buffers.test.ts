/** Hugging Face checkpoints of 2020-2023 carry int64 `embeddings.position_ids` buffers: skipped, not refused. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPytorchBin } from '../../src/checkpoint/pytorch.js';
import { readSafetensors } from '../../src/checkpoint/safetensors.js';
import { expectCheckpointError, runPython, tempDir, TORCH_PYTHON } from './fixtures.js';

function safetensorsWith(entries: { name: string; dtype: string; shape: number[]; bytes: Uint8Array }[]): Uint8Array {
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const e of entries) {
    header[e.name] = { dtype: e.dtype, shape: e.shape, data_offsets: [offset, offset + e.bytes.length] };
    offset += e.bytes.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(new TextEncoder().encode(json), 8);
  let at = 8 + json.length;
  for (const e of entries) {
    out.set(e.bytes, at);
    at += e.bytes.length;
  }
  return out;
}

describe('integer buffers in checkpoints', () => {
  const weight = new Uint8Array(new Float32Array([1.5, -2]).buffer);
  const ids = new Uint8Array(new BigInt64Array([0n, 1n, 2n]).buffer);

  it('safetensors: an I64 position_ids buffer is validated and skipped', () => {
    const path = join(tempDir(), 'model.safetensors');
    writeFileSync(path, safetensorsWith([
      { name: 'bert.embeddings.position_ids', dtype: 'I64', shape: [1, 3], bytes: ids },
      { name: 'bert.pooler.dense.bias', dtype: 'F32', shape: [2], bytes: weight },
    ]));
    const { tensors } = readSafetensors(path);
    expect([...tensors.keys()]).toEqual(['bert.pooler.dense.bias']);
    expect(Array.from(tensors.get('bert.pooler.dense.bias')!.data)).toEqual([1.5, -2]);
  });

  it('safetensors: an I64 tensor that is not a known buffer is still refused', () => {
    const path = join(tempDir(), 'model.safetensors');
    writeFileSync(path, safetensorsWith([{ name: 'bert.pooler.dense.bias', dtype: 'I64', shape: [3], bytes: ids }]));
    expectCheckpointError(() => readSafetensors(path), 'model.safetensors', 'unsupported dtype "I64"');
  });

  it('safetensors: a buffer whose size does not match its shape is refused', () => {
    const path = join(tempDir(), 'model.safetensors');
    writeFileSync(path, safetensorsWith([{ name: 'bert.embeddings.position_ids', dtype: 'I64', shape: [1, 4], bytes: ids }]));
    expectCheckpointError(() => readSafetensors(path), 'model.safetensors', 'needs 32');
  });

  it.skipIf(!TORCH_PYTHON)('pytorch_model.bin written by torch with an int64 position_ids buffer loads', () => {
    const path = join(tempDir(), 'pytorch_model.bin');
    runPython(
      'import sys, torch, collections\n' +
        "sd = collections.OrderedDict([('bert.embeddings.position_ids', torch.arange(4).unsqueeze(0)), ('bert.pooler.dense.bias', torch.tensor([1.5, -2.0]))])\n" +
        'torch.save(sd, sys.argv[1])\n',
      [path],
    );
    const tensors = readPytorchBin(path);
    expect([...tensors.keys()]).toEqual(['bert.pooler.dense.bias']);
    expect(Array.from(tensors.get('bert.pooler.dense.bias')!.data)).toEqual([1.5, -2]);
  });
});
