import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { PickleWriter } from '../../src/checkpoint/pickle.js';
import { readPytorchBin, writePytorchBin } from '../../src/checkpoint/pytorch.js';
import type { TensorMap } from '../../src/checkpoint/tensor-map.js';
import {
  concat, expectCheckpointError, expectSameBits, expectSameTensors, runPython, sampleTensors, tempDir, TORCH_PYTHON, utf8,
} from './fixtures.js';

const dir = tempDir();
let counter = 0;

/** A torch-style zip from records (stored, as torch writes them), saved to a fresh file. */
function zipFile(records: Record<string, Uint8Array>, name = `case${counter++}.bin`): string {
  const path = join(dir, name);
  writeFileSync(path, zipSync(records, { level: 0 }));
  return path;
}

interface ViewSpec {
  name: string;
  storage: string;
  storageClass?: string;
  numel: number;
  offset?: number;
  size: number[];
  stride: number[];
}

/** data.pkl of an OrderedDict of tensors written the way torch.save does, one per view. */
function statePickle(views: ViewSpec[], extra?: (p: PickleWriter) => void): Uint8Array {
  const p = new PickleWriter();
  p.global('collections', 'OrderedDict').emptyTuple().reduce().mark();
  for (const v of views) {
    p.str(v.name).global('torch._utils', '_rebuild_tensor_v2').mark();
    p.mark().str('storage').global('torch', v.storageClass ?? 'FloatStorage').str(v.storage).str('cpu').int(v.numel).tuple().persid();
    p.int(v.offset ?? 0).intTuple(v.size).intTuple(v.stride).bool(false);
    p.global('collections', 'OrderedDict').emptyTuple().reduce().tuple().reduce();
  }
  extra?.(p);
  return p.setItems().finish();
}

const floats = (...v: number[]) => new Uint8Array(Float32Array.from(v).buffer);
const range = (n: number) => floats(...Array.from({ length: n }, (_, i) => i));

/** Walks the local headers of a zip: name, method, data offset, data. */
function localRecords(bytes: Uint8Array): { name: string; method: number; dataOffset: number; data: Uint8Array }[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = [];
  for (let at = 0; v.getUint32(at, true) === 0x04034b50;) {
    const method = v.getUint16(at + 8, true);
    const size = v.getUint32(at + 18, true);
    const nameLength = v.getUint16(at + 26, true);
    const extraLength = v.getUint16(at + 28, true);
    const name = new TextDecoder().decode(bytes.subarray(at + 30, at + 30 + nameLength));
    const dataOffset = at + 30 + nameLength + extraLength;
    out.push({ name, method, dataOffset, data: bytes.subarray(dataOffset, dataOffset + size) });
    at = dataOffset + size;
  }
  return out;
}

describe('pytorch zip checkpoints: write and read', () => {
  it('round trip is bit-exact and keeps order', () => {
    const path = join(dir, 'round.bin');
    writePytorchBin(path, sampleTensors());
    const back = readPytorchBin(path);
    expectSameTensors(back, sampleTensors());
    expect([...back.values()].every((t) => t.dtype === 'F32')).toBe(true);
  });

  it('layout: archive folder = file stem, stored records 64-byte aligned, version "3\\n"', () => {
    const path = join(dir, 'my_model.bin');
    writePytorchBin(path, sampleTensors());
    const records = localRecords(readFileSync(path));
    expect(records.map((r) => r.name)).toEqual([
      'my_model/data.pkl', 'my_model/byteorder', ...[0, 1, 2, 3, 4, 5].map((i) => `my_model/data/${i}`), 'my_model/version',
    ]);
    for (const r of records) {
      expect(r.method, r.name).toBe(0);
      expect(r.dataOffset % 64, r.name).toBe(0);
    }
    expect(new TextDecoder().decode(records.at(-1)!.data)).toBe('3\n');
    expect(new TextDecoder().decode(records[1]!.data)).toBe('little');
  });

  it('reads any archive folder name and ignores unknown records', () => {
    const path = zipFile({
      'archive/data.pkl': statePickle([{ name: 'w', storage: '0', numel: 2, size: [2], stride: [1] }]),
      'archive/byteorder': utf8('little'),
      'archive/data/0': floats(1.5, -2),
      'archive/version': utf8('3\n'),
      'archive/.data/serialization_id': utf8('1234'),
      'archive/.format_version': utf8('1'),
    });
    expect(Array.from(readPytorchBin(path).get('w')!.data)).toEqual([1.5, -2]);
  });

  it('views: storage offset, non-contiguous strides, shared storages', () => {
    const path = zipFile({
      'a/data.pkl': statePickle([
        { name: 'full', storage: '0', numel: 12, size: [3, 4], stride: [4, 1] },
        { name: 'tied', storage: '0', numel: 12, size: [3, 4], stride: [4, 1] },
        { name: 'transposed', storage: '0', numel: 12, size: [4, 3], stride: [1, 4] },
        { name: 'narrow', storage: '0', numel: 12, offset: 5, size: [3], stride: [1] },
        { name: 'strided', storage: '0', numel: 12, offset: 1, size: [2, 2], stride: [6, 2] },
        { name: 'broadcast', storage: '1', numel: 2, size: [2, 3], stride: [1, 0] },
        { name: 'empty', storage: '1', numel: 2, offset: 2, size: [0, 3], stride: [3, 1] },
      ]),
      'a/data/0': range(12),
      'a/data/1': floats(7, 8),
    });
    const t = readPytorchBin(path);
    expect(Array.from(t.get('full')!.data)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(t.get('tied')!.data).toBe(t.get('full')!.data); // one storage, as in PyTorch
    expect(Array.from(t.get('transposed')!.data)).toEqual([0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
    expect(t.get('transposed')!.shape).toEqual([4, 3]);
    expect(Array.from(t.get('narrow')!.data)).toEqual([5, 6, 7]);
    expect(Array.from(t.get('strided')!.data)).toEqual([1, 3, 7, 9]);
    expect(Array.from(t.get('broadcast')!.data)).toEqual([7, 7, 7, 8, 8, 8]);
    expect(t.get('empty')!.data.length).toBe(0);
  });

  it('float16 and bfloat16 storages are widened exactly', () => {
    const path = zipFile({
      'a/data.pkl': statePickle([
        { name: 'h', storage: '0', storageClass: 'HalfStorage', numel: 3, size: [3], stride: [1] },
        { name: 'b', storage: '1', storageClass: 'BFloat16Storage', numel: 2, size: [2], stride: [1] },
      ]),
      'a/data/0': new Uint8Array(Uint16Array.of(0x3c00, 0xc000, 0x0001).buffer),
      'a/data/1': new Uint8Array(Uint16Array.of(0x3f80, 0xc040).buffer),
    });
    const t = readPytorchBin(path);
    expect(Array.from(t.get('h')!.data)).toEqual([1, -2, 2 ** -24]);
    expect(t.get('h')!.dtype).toBe('F16');
    expect(Array.from(t.get('b')!.data)).toEqual([1, -3]);
    expect(t.get('b')!.dtype).toBe('BF16');
  });
});

describe('pytorch zip checkpoints: rejections name the file and the reason', () => {
  const one = (v: Partial<ViewSpec> = {}) => statePickle([{ name: 'w', storage: '0', numel: 4, size: [4], stride: [1], ...v }]);

  it('truncated zip at several points', () => {
    const path = join(dir, 'whole.bin');
    writePytorchBin(path, sampleTensors());
    const bytes = readFileSync(path);
    for (const cut of [2, 30, 100, bytes.length >> 1, bytes.length - 30, bytes.length - 1]) {
      const cutPath = join(dir, `cut${cut}.bin`);
      writeFileSync(cutPath, bytes.subarray(0, cut));
      expectCheckpointError(() => readPytorchBin(cutPath), `cut${cut}.bin: truncated or corrupted zip archive`);
    }
  });

  it('missing data.pkl', () => {
    expectCheckpointError(() => readPytorchBin(zipFile({ 'm/version': utf8('3\n') }, 'nopkl.bin')), 'nopkl.bin', 'missing record "m/data.pkl"');
  });

  it('missing storage record', () => {
    const path = zipFile({ 'm/data.pkl': one({ storage: '5' }), 'm/data/0': range(4) }, 'nostorage.bin');
    expectCheckpointError(() => readPytorchBin(path), 'nostorage.bin', 'missing storage record "m/data/5" for tensor "w"');
  });

  it('storage record shorter than its declared size', () => {
    const path = zipFile({ 'm/data.pkl': one(), 'm/data/0': range(2) }, 'short.bin');
    expectCheckpointError(() => readPytorchBin(path), 'short.bin', 'storage record "m/data/0" has 8 bytes but 4 float32 elements need 16');
  });

  it('storage too short for the view', () => {
    const path = zipFile({ 'm/data.pkl': one({ size: [2, 3], stride: [3, 1] }), 'm/data/0': range(4) }, 'view.bin');
    expectCheckpointError(() => readPytorchBin(path), 'view.bin', 'tensor "w" (offset 0, shape [2, 3], stride [3, 1]) reads element 5 but storage "0" has 4');
    const offset = zipFile({ 'm/data.pkl': one({ offset: 3, size: [2] }), 'm/data/0': range(4) }, 'offset.bin');
    expectCheckpointError(() => readPytorchBin(offset), 'offset.bin', 'reads element 4');
  });

  it('foreign global os.system in a hand-built pickle', () => {
    // PROTO 2; GLOBAL "os system"; BINUNICODE "ls"; TUPLE1; REDUCE; STOP
    const pkl = concat(new Uint8Array([0x80, 0x02]), utf8('cos\nsystem\n'), new Uint8Array([0x58, 2, 0, 0, 0]), utf8('ls'),
      new Uint8Array([0x85, 0x52, 0x2e]));
    const path = zipFile({ 'pytorch_model/data.pkl': pkl }, 'pytorch_model.bin');
    expectCheckpointError(() => readPytorchBin(path),
      'pytorch_model.bin: pickle references forbidden global "os.system"; only tensor state dicts can be loaded');
  });

  it('other globals: storage loaders, builtins, via STACK_GLOBAL too', () => {
    for (const [module, name] of [['torch.storage', '_load_from_bytes'], ['builtins', 'eval'], ['torch', 'load'], ['collections', 'defaultdict']]) {
      const p = new PickleWriter();
      const path = zipFile({ 'm/data.pkl': p.global(module!, name!).finish() });
      expectCheckpointError(() => readPytorchBin(path), `forbidden global "${module}.${name}"`);
    }
    const stackGlobal = concat(new Uint8Array([0x80, 0x04, 0x8c, 8]), utf8('builtins'), new Uint8Array([0x8c, 4]), utf8('exec'),
      new Uint8Array([0x93, 0x2e]));
    expectCheckpointError(() => readPytorchBin(zipFile({ 'm/data.pkl': stackGlobal })), 'forbidden global "builtins.exec"');
  });

  it('unsupported opcodes (object construction)', () => {
    const path = zipFile({ 'm/data.pkl': new Uint8Array([0x80, 0x02, 0x81, 0x2e]) }, 'newobj.bin');
    expectCheckpointError(() => readPytorchBin(path), 'newobj.bin: m/data.pkl', 'unsupported pickle opcode 0x81');
  });

  it('non-float dtypes, naming the tensor', () => {
    const path = zipFile({ 'm/data.pkl': one({ name: 'position_ids', storageClass: 'LongStorage' }), 'm/data/0': new Uint8Array(32) }, 'long.bin');
    expectCheckpointError(() => readPytorchBin(path), 'long.bin', 'tensor "position_ids" has dtype int64 (torch.LongStorage)', 'only float32, float16 and bfloat16');
  });

  it('a training checkpoint (nested dict) is not a state dict', () => {
    const p = new PickleWriter();
    p.global('collections', 'OrderedDict').emptyTuple().reduce().mark().str('model');
    p.global('collections', 'OrderedDict').emptyTuple().reduce().setItems();
    const path = zipFile({ 'm/data.pkl': p.finish() }, 'train.bin');
    expectCheckpointError(() => readPytorchBin(path), 'train.bin', 'entry "model" is a dict', 'model.state_dict()');
  });

  it('a legacy stream cut inside its protocol version pickle is truncated, not an unknown format', () => {
    // What torch's legacy writer starts with: PROTO 2, LONG1 magic number, STOP, then more pickles.
    const legacy = new Uint8Array([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e, 0x80, 0x02]);
    const path = join(dir, 'legacy.bin');
    writeFileSync(path, legacy);
    expectCheckpointError(() => readPytorchBin(path), 'legacy.bin: legacy torch.save protocol version: pickle is truncated (pickle byte 17)');
  });

  it('neither zip nor pickle', () => {
    const path = join(dir, 'text.bin');
    writeFileSync(path, utf8('hello world'));
    expectCheckpointError(() => readPytorchBin(path), 'text.bin', 'not a PyTorch checkpoint');
    expectCheckpointError(() => readPytorchBin(join(dir, 'absent.bin')), 'absent.bin', 'not found');
  });
});

describe.skipIf(!TORCH_PYTHON)('pytorch interop with torch.load / torch.save (system python with torch)', () => {
  if (!TORCH_PYTHON) process.stderr.write('SKIPPED torch interop tests: /usr/bin/python3 with torch not found\n');

  /** Python that prints {name: [shape, float32 hex bytes]} for a state dict. */
  const DUMP = 'import json\ndef dump(sd): print(json.dumps({k: [list(v.shape), v.detach().contiguous().float().numpy().tobytes().hex()] for k, v in sd.items()}))\n';
  const fromDump = (out: string): TensorMap => new Map(Object.entries(JSON.parse(out) as Record<string, [number[], string]>).map(([k, [shape, h]]) => {
    const bytes = Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));
    return [k, { shape, dtype: 'F32', data: new Float32Array(bytes.buffer) }];
  }));

  it('torch.load(weights_only=True) reads what writePytorchBin wrote, bit for bit', () => {
    const path = join(dir, 'for_torch.bin');
    writePytorchBin(path, sampleTensors());
    const out = runPython(`${DUMP}import sys, torch\nsd = torch.load(sys.argv[1], weights_only=True)\nassert type(sd).__name__ == 'OrderedDict'\ndump(sd)`, [path]);
    expectSameTensors(fromDump(out), sampleTensors());
  });

  it('reads what torch.save wrote: views, shared storage, float16, bfloat16, parameters', () => {
    const path = join(dir, 'from_torch.bin');
    const script = `${DUMP}import sys, torch
torch.manual_seed(0)
base = torch.randn(6, 5)
emb = torch.randn(10, 4)
sd = {'base': base, 'transposed': base.t(), 'narrow': base[2:4, 1:3], 'tied_a': emb, 'tied_b': emb,
      'half': torch.randn(3, 2).half(), 'bf16': torch.randn(7).bfloat16(), 'param': torch.nn.Parameter(torch.randn(2, 2)),
      'scalar': torch.tensor(3.5), 'empty': torch.zeros(0, 3)}
torch.save(sd, sys.argv[1])
dump(sd)`;
    const expected = fromDump(runPython(script, [path]));
    const actual = readPytorchBin(path);
    expect([...actual.keys()]).toEqual([...expected.keys()]);
    for (const [name, e] of expected) {
      expect(actual.get(name)!.shape, name).toEqual(e.shape);
      expectSameBits(actual.get(name)!.data, e.data, name);
    }
    expect(actual.get('half')!.dtype).toBe('F16');
    expect(actual.get('bf16')!.dtype).toBe('BF16');
    expect(actual.get('tied_b')!.data).toBe(actual.get('tied_a')!.data);
  });
});
