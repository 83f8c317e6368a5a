import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_HEADER_BYTES, readSafetensors, writeSafetensors } from '../../src/checkpoint/safetensors.js';
import type { TensorMap } from '../../src/checkpoint/tensor-map.js';
import { concat, expectCheckpointError, expectSameTensors, sampleTensors, SPECIAL_VALUES, tempDir, utf8 } from './fixtures.js';

const dir = tempDir();
let counter = 0;

/** Writes raw bytes to a fresh file and returns its path. */
function fileWith(bytes: Uint8Array): string {
  const path = join(dir, `case${counter++}.safetensors`);
  writeFileSync(path, bytes);
  return path;
}

/** A safetensors file from a header (object or raw JSON text) and data bytes. */
function build(header: object | string, data: Uint8Array = new Uint8Array(0), lengthOverride?: bigint): Uint8Array {
  const json = utf8(typeof header === 'string' ? header : JSON.stringify(header));
  const length = new Uint8Array(8);
  new DataView(length.buffer).setBigUint64(0, lengthOverride ?? BigInt(json.length), true);
  return concat(length, json, data);
}

/** Parses the header of a written file as the golden README's reader rules describe. */
function headerOf(path: string): { n: number; text: string; header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }> } {
  const bytes = readFileSync(path);
  const n = Number(bytes.readBigUInt64LE(0));
  const text = bytes.subarray(8, 8 + n).toString('utf8');
  return { n, text, header: JSON.parse(text) };
}

describe('safetensors round trips', () => {
  it('F32 is bit-exact, keeps order and metadata', () => {
    const path = join(dir, 'f32.safetensors');
    const tensors = sampleTensors();
    writeSafetensors(path, tensors, { metadata: { step: '7' } });
    const back = readSafetensors(path);
    expectSameTensors(back.tensors, tensors);
    expect(back.metadata).toEqual({ format: 'pt', step: '7' });
    expect([...back.tensors.values()].every((t) => t.dtype === 'F32')).toBe(true);
  });

  it('F16 is bit-exact for values float16 represents', () => {
    const path = join(dir, 'f16.safetensors');
    const exact = SPECIAL_VALUES.filter((v) => Math.abs(v) <= 65504 && (v === 0 || Math.abs(v) >= 2 ** -24) && v !== 0.1);
    const tensors: TensorMap = new Map([
      ['h', { shape: [exact.length], data: Float32Array.from(exact), dtype: 'F16' }],
      ['grid', { shape: [2, 3], data: Float32Array.from([0.5, -1.25, 1024, 2 ** -20, -0, 3.140625]), dtype: 'F16' }],
    ]);
    writeSafetensors(path, tensors, { dtype: 'F16' });
    const back = readSafetensors(path);
    expectSameTensors(back.tensors, tensors);
    expect(back.tensors.get('h')!.dtype).toBe('F16');
    expect(headerOf(path).header.h!.dtype).toBe('F16');
  });

  it('F16 rounds what it cannot represent', () => {
    const path = join(dir, 'round.safetensors');
    writeSafetensors(path, new Map([['x', { shape: [3], data: Float32Array.from([0.1, 1e6, 1e-9]), dtype: 'F32' }]]), { dtype: 'F16' });
    expect(Array.from(readSafetensors(path).tensors.get('x')!.data)).toEqual([0.0999755859375, Infinity, 0]);
  });

  it('written files follow the reader rules: padded header, default metadata, contiguous in map order', () => {
    const path = join(dir, 'rules.safetensors');
    writeSafetensors(path, sampleTensors());
    const { n, text, header } = headerOf(path);
    expect(n % 8).toBe(0);
    expect(text).toMatch(/^\{"__metadata__":\{"format":"pt"\}/);
    expect(text.trimEnd().endsWith('}')).toBe(true);
    expect(/^ *$/.test(text.slice(text.trimEnd().length))).toBe(true);
    const names = Object.keys(header).filter((k) => k !== '__metadata__');
    expect(names).toEqual([...sampleTensors().keys()]);
    let end = 0;
    for (const name of names) {
      expect(header[name]!.data_offsets[0]).toBe(end);
      end = header[name]!.data_offsets[1];
    }
    expect(readFileSync(path).length).toBe(8 + n + end);
  });

  it('reads BF16, and tensors stored out of header order in data order', () => {
    const data = new Uint8Array([0x80, 0x3f, 0x40, 0xc0, /* a: */ 0, 0, 0x80, 0x3f]);
    const path = fileWith(build({
      a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] },
      b: { dtype: 'BF16', shape: [2], data_offsets: [0, 4] },
    }, data));
    const { tensors, metadata } = readSafetensors(path);
    expect([...tensors.keys()]).toEqual(['b', 'a']);
    expect(Array.from(tensors.get('b')!.data)).toEqual([1, -3]);
    expect(tensors.get('b')!.dtype).toBe('BF16');
    expect(Array.from(tensors.get('a')!.data)).toEqual([1]);
    expect(metadata).toBeUndefined();
  });

  it('replaces an existing file atomically, leaving no temporary file', () => {
    const path = join(dir, 'atomic.safetensors');
    writeSafetensors(path, sampleTensors());
    writeSafetensors(path, new Map([['only', { shape: [1], data: Float32Array.of(2), dtype: 'F32' }]]));
    expect([...readSafetensors(path).tensors.keys()]).toEqual(['only']);
    expect(readFileSync(path).length).toBeGreaterThan(8);
  });
});

describe('safetensors rejects malformed files, naming the file and the reason', () => {
  const good = () => {
    const path = join(dir, `good${counter++}.safetensors`);
    writeSafetensors(path, sampleTensors());
    return new Uint8Array(readFileSync(path));
  };
  const reject = (bytes: Uint8Array, ...fragments: (string | RegExp)[]) => {
    const path = fileWith(bytes);
    expectCheckpointError(() => readSafetensors(path), path.split('/').pop()!, ...fragments);
  };

  it('file shorter than 8 bytes', () => {
    for (const n of [0, 1, 7]) reject(new Uint8Array(n), `file is ${n} bytes, shorter than the 8-byte header length`);
  });

  it('header length beyond the file or absurd', () => {
    reject(build('{}', new Uint8Array(0), 3n), 'header length 3 runs past the end of the file (10 bytes)');
    reject(build('{}', new Uint8Array(0), BigInt(MAX_HEADER_BYTES) + 1n), 'is absurd');
    reject(build('{}', new Uint8Array(0), 0xffffffffffffffffn), 'is absurd');
  });

  it('truncation at several points', () => {
    const bytes = good();
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    reject(bytes.subarray(0, 4), 'shorter than the 8-byte header length');
    reject(bytes.subarray(0, 8), 'runs past the end of the file');
    reject(bytes.subarray(0, 8 + n - 1), 'runs past the end of the file');
    reject(bytes.subarray(0, 8 + n), 'out of range', 'truncated');
    reject(bytes.subarray(0, bytes.length - 1), 'out of range', 'truncated');
  });

  it('invalid UTF-8 or JSON in the header (flipped bytes)', () => {
    const bytes = good();
    const flipped = bytes.slice();
    flipped[8] = 0xff;
    reject(flipped, 'header is not valid UTF-8');
    const brace = bytes.slice();
    brace[8] = 0x5b; // '[' instead of '{'
    reject(brace, 'header is not valid JSON');
    reject(build('{"a": '), 'header is not valid JSON');
  });

  it('header not an object', () => {
    reject(build('[]'), 'header is not a JSON object (found an array)');
    reject(build('42      '), 'header is not a JSON object (found 42)');
    reject(build('null'), 'header is not a JSON object');
  });

  it('unknown or unsupported dtype, naming the tensor and dtype', () => {
    for (const dtype of ['I64', 'F64', 'Q4', 'f32']) {
      reject(build({ w: { dtype, shape: [1], data_offsets: [0, 8] } }, new Uint8Array(8)), `tensor "w" has unsupported dtype "${dtype}"`, 'F32, F16 and BF16');
    }
  });

  it('shape not a list of non-negative integers', () => {
    for (const shape of [[-1], [1.5], '3', [2, null], null]) {
      reject(build({ w: { dtype: 'F32', shape, data_offsets: [0, 4] } }, new Uint8Array(4)), 'tensor "w" has invalid shape');
    }
    reject(build({ w: [1, 2] }), 'tensor "w": header entry must be an object');
  });

  it('data_offsets malformed, overlapping, with gaps or out of range', () => {
    const entry = (data_offsets: unknown, shape = [1]) => ({ dtype: 'F32', shape, data_offsets });
    reject(build({ w: entry([0]) }, new Uint8Array(4)), 'tensor "w" has invalid data_offsets [0]');
    reject(build({ w: entry([4, 0]) }, new Uint8Array(4)), 'begin after end');
    reject(build({ w: entry([0, 8]) }, new Uint8Array(4)), 'tensor "w" has data_offsets [0, 8] out of range', '4 bytes');
    reject(build({ a: entry([0, 8], [2]), b: entry([4, 12], [2]) }, new Uint8Array(12)), 'tensor "b" data_offsets [4, 12] overlap tensor "a"');
    reject(build({ a: entry([0, 4]), b: entry([8, 12]) }, new Uint8Array(12)), 'not contiguous', 'bytes [4, 8)', '"b"');
    reject(build({ a: entry([4, 8]) }, new Uint8Array(8)), 'not contiguous');
  });

  it('size differs from prod(shape) * dtype bytes', () => {
    reject(build({ w: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 8] } }, new Uint8Array(8)),
      'tensor "w" occupies 8 bytes but F32 [2, 2] needs 16');
    reject(build({ w: { dtype: 'F16', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8)), 'needs 6');
  });

  it('trailing bytes after the last tensor', () => {
    reject(build({ w: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, new Uint8Array(7)), '3 trailing bytes after the last tensor');
    reject(build({}, new Uint8Array(1)), '1 trailing bytes');
  });

  it('metadata that is not a map of strings', () => {
    reject(build({ __metadata__: { step: 3 } }), '"__metadata__" entry "step" must be a string');
    reject(build({ __metadata__: [] }), '"__metadata__" must be an object of strings');
  });

  it('a missing file names the path', () => {
    const path = join(dir, 'nope.safetensors');
    expectCheckpointError(() => readSafetensors(path), path, 'not found');
  });

  it('writer: data length that does not match the shape', () => {
    expectCheckpointError(
      () => writeSafetensors(join(dir, 'bad.safetensors'), new Map([['w', { shape: [2, 2], data: new Float32Array(3), dtype: 'F32' }]])),
      'bad.safetensors', 'tensor "w" has 3 values but shape [2, 2] needs 4',
    );
  });
});
