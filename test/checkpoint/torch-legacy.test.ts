/**
 * The legacy torch.save format (torch < 1.6, `_use_new_zipfile_serialization=False`), the format of
 * Huawei's released NEZHA and TinyBERT checkpoints: hand-built streams pin each framing rule and
 * rejection; files written by Debian's torch pin what real checkpoints hold, down to the golden
 * forward outputs.
 */
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadModelDir } from '../../src/checkpoint/model-dir.js';
import { PickleWriter, unpickleFrom, type UnpickleHooks } from '../../src/checkpoint/pickle.js';
import { decodePytorchBin, readPytorchBin } from '../../src/checkpoint/pytorch.js';
import type { TensorMap } from '../../src/checkpoint/tensor-map.js';
import { heldProjection, initProjection } from '../../src/distill/projection.js';
import { forwardRecord, readBatchJson } from '../../src/model/batch-json.js';
import { availableBackends, useBackend } from '../helpers/backends.js';
import { expectClose } from '../helpers/close.js';
import { golden, GOLDEN, hasGolden, type TensorJson } from '../helpers/shared.js';
import { legacyStatePickle, legacyStream, sysInfoPickle, type LegacyView } from './legacy-stream.js';
import { concat, expectCheckpointError, expectSameBits, expectSameTensors, runPython, tempDir, TORCH_PYTHON } from './fixtures.js';

const dir = tempDir();

const floats = (...v: number[]) => new Uint8Array(Float32Array.from(v).buffer);
const range = (n: number) => floats(...Array.from({ length: n }, (_, i) => i));
const ONE: LegacyView[] = [{ name: 'w', storage: '7', numel: 4, size: [2, 2], stride: [2, 1] }];

describe('legacy torch.save streams (hand-built)', () => {
  it('reads a state dict with its storages after the pickles', () => {
    const t = decodePytorchBin(legacyStream({ state: legacyStatePickle(ONE), keys: ['7'], storages: [[4n, range(4)]] }), 'one.bin');
    expect(t.get('w')!.shape).toEqual([2, 2]);
    expect([...t.get('w')!.data]).toEqual([0, 1, 2, 3]);
  });

  it('legacy storage views: a tensor on (view key, base, size) reads from base, bounded by the view', () => {
    const views: LegacyView[] = [
      { name: 'whole', storage: 'r', numel: 8, size: [8], stride: [1] },
      { name: 'in_view', storage: 'r', numel: 8, storageView: ['v', 3, 4], offset: 1, size: [2], stride: [1] },
      { name: 'strided', storage: 'r', numel: 8, storageView: ['v', 3, 4], size: [2], stride: [2] },
    ];
    const t = decodePytorchBin(legacyStream({ state: legacyStatePickle(views), keys: ['r'], storages: [[8n, range(8)]] }), 'views.bin');
    expect([...t.get('in_view')!.data]).toEqual([4, 5]);
    expect([...t.get('strided')!.data]).toEqual([3, 5]);
    expect(t.get('whole')!.data.length).toBe(8);

    const past: LegacyView[] = [{ name: 'past', storage: 'r', numel: 8, storageView: ['v', 3, 4], offset: 3, size: [2], stride: [1] }];
    expectCheckpointError(() => decodePytorchBin(legacyStream({ state: legacyStatePickle(past), keys: ['r'], storages: [[8n, range(8)]] }), 'past.bin'),
      'past.bin: tensor "past" (offset 3, shape [2], stride [1]) reads element 4 but storage "v" has 4');
    const outside: LegacyView[] = [{ name: 'x', storage: 'r', numel: 8, storageView: ['v', 6, 4], size: [1], stride: [1] }];
    expectCheckpointError(() => decodePytorchBin(legacyStream({ state: legacyStatePickle(outside), keys: ['r'], storages: [[8n, range(8)]] }), 'out.bin'),
      'out.bin: malformed view of storage "r" (8 elements) in pickle');
  });

  it('a corrupt element count that matches no pickle numel is refused before anything is allocated', () => {
    const bytes = legacyStream({ state: legacyStatePickle(ONE), keys: ['7'], storages: [[4n | (1n << 40n), range(4)]] });
    expectCheckpointError(() => decodePytorchBin(bytes, 'count.bin'), 'count.bin: storage "7" at byte', 'declares 1099511627780 elements but the pickle says 4 (corrupt file?)');
  });

  it('a huge numel declared consistently by pickle and count is truncated, not allocated', () => {
    const huge: LegacyView[] = [{ name: 'w', storage: '7', numel: 2 ** 40, size: [2], stride: [1] }];
    const before = process.memoryUsage().arrayBuffers;
    expectCheckpointError(() => decodePytorchBin(legacyStream({ state: legacyStatePickle(huge), keys: ['7'], storages: [[2n ** 40n, range(4)]] }), 'huge.bin'),
      'huge.bin: truncated: storage "7" needs 4398046511104 bytes at byte', 'but the file has 16 left');
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1 << 20);
  });

  it('the state dict pickle keeps the allow-list: os.system is refused, not run', () => {
    const bytes = legacyStream({ state: legacyStatePickle(ONE, ['os', 'system']), keys: ['7'], storages: [[4n, range(4)]] });
    expectCheckpointError(() => decodePytorchBin(bytes, 'evil.bin'), 'evil.bin', 'forbidden global "os.system"');
  });

  it('the header pickles hold plain values only: a global in sys_info is refused', () => {
    const sysInfo = new PickleWriter().global('os', 'system').emptyTuple().reduce().finish();
    const bytes = legacyStream({ state: legacyStatePickle(ONE), keys: ['7'], storages: [[4n, range(4)]], sysInfo });
    expectCheckpointError(() => decodePytorchBin(bytes, 'sys.bin'), 'sys.bin: legacy torch.save sys_info pickle holds an object, expected plain values');
  });

  it('a Python 2 legacy file (str as SHORT_BINSTRING, OrderedDict([[k, v]]) with _metadata) loads', () => {
    // What Python 2's pickler emits for torch.save: byte strings, and OrderedDict reduced with its items.
    const ascii = (t: string) => [...t].map((c) => c.charCodeAt(0));
    const str = (t: string) => [0x55, t.length, ...ascii(t)]; // SHORT_BINSTRING
    const global = (m: string, n: string) => [0x63, ...ascii(`${m}\n${n}\n`)]; // GLOBAL
    const emptyOrderedDict = [...global('collections', 'OrderedDict'), 0x5d, 0x85, 0x52]; // OrderedDict([])
    const tensor = [
      ...global('torch._utils', '_rebuild_tensor_v2'), 0x28,
      0x28, ...str('storage'), ...global('torch', 'FloatStorage'), ...str('140001'), ...str('cuda:0'), 0x4b, 4, 0x4e, 0x74, 0x51, // pid, BINPERSID
      0x4b, 1, 0x4b, 3, 0x85, 0x4b, 1, 0x85, 0x89, ...emptyOrderedDict, 0x74, 0x52, // offset 1, size (3,), stride (1,)
    ];
    const state = Uint8Array.from([
      0x80, 0x02, ...global('collections', 'OrderedDict'),
      0x5d, 0x28, 0x28, ...str('bert.pooler.dense.bias'), ...tensor, 0x6c, 0x65, 0x85, 0x52, // OrderedDict([[name, tensor]])
      0x7d, ...str('_metadata'), ...emptyOrderedDict, 0x73, 0x62, 0x2e, // BUILD {'_metadata': OrderedDict()}, STOP
    ]);
    const keyPickle = Uint8Array.from([0x80, 0x02, 0x5d, 0x28, ...str('140001'), 0x65, 0x2e]);
    const py2 = legacyStream({ state, keys: [], keyPickle, storages: [[4n, range(4)]] });
    const t = decodePytorchBin(py2, 'py2.bin');
    expect([...t.keys()]).toEqual(['bert.pooler.dense.bias']);
    expect([...t.get('bert.pooler.dense.bias')!.data]).toEqual([1, 2, 3]);
  });

  it('framing errors name the file and the reason', () => {
    const ok = { state: legacyStatePickle(ONE), keys: ['7'], storages: [[4n, range(4)]] as [bigint, Uint8Array][] };
    const cases: [Uint8Array, string][] = [
      [new PickleWriter().int(5).finish(), 'not start with torch\'s magic number 0x1950a86a20f9469cfc6c (found 5): not a torch.save file'],
      [legacyStream({ ...ok, protocol: 1000 }), 'legacy torch.save protocol version 1000, expected 1001'],
      [legacyStream({ ...ok, sysInfo: sysInfoPickle(false) }), 'big-endian machine (sys_info little_endian=False)'],
      [legacyStream({ ...ok, keys: ['7', '8'], storages: [...ok.storages, [0n, new Uint8Array()]] }), 'storage "8" is listed after the pickle but no tensor references it'],
      [legacyStream({ ...ok, keys: ['7', '7'], storages: [...ok.storages, ...ok.storages] }), 'storage "7" is listed twice'],
      [legacyStream({ ...ok, keys: [], storages: [] }), 'storage "7" of tensor "w" is not in the list of storages after the pickle'],
      [concat(legacyStream(ok), Uint8Array.of(0)), '1 unexpected bytes after the last storage'],
      [legacyStream(ok).subarray(0, legacyStream(ok).length - 20), 'truncated: the element count of storage "7" is missing'],
      [legacyStream(ok).subarray(0, legacyStream(ok).length - 1), 'truncated: storage "7" needs 16 bytes'],
      [Uint8Array.of(0x80, 0x02), 'legacy torch.save magic number: pickle is truncated'],
    ];
    for (const [bytes, message] of cases) expectCheckpointError(() => decodePytorchBin(bytes, 'frame.bin'), 'frame.bin: ', message);
  });
});

/** Python that writes legacy files and prints {file: {name: [shape, float32 hex]}} of what it saved. */
const WRITE_LEGACY = String.raw`import collections, json, os, sys, torch
out, golden = sys.argv[1], sys.argv[2]
def hexes(sd): return {k: [list(v.shape), v.detach().contiguous().float().numpy().tobytes().hex()] for k, v in sd.items()}
def save(sd, name): torch.save(sd, os.path.join(out, name), _use_new_zipfile_serialization=False); return hexes(sd)
dumps = {}
torch.manual_seed(0)
base = torch.randn(6, 5)
emb = torch.randn(10, 4)
dumps['interop.bin'] = save(collections.OrderedDict([('base', base), ('transposed', base.t()), ('narrow', base[2:4, 1:3]),
    ('tail', base.view(-1)[7:]), ('tied_a', emb), ('tied_b', emb), ('half', torch.randn(3, 2).half()),
    ('half_t', torch.randn(3, 4).half().t()), ('bf16', torch.randn(7).bfloat16()), ('param', torch.nn.Parameter(torch.randn(2, 2))),
    ('scalar', torch.tensor(3.5)), ('empty', torch.zeros(0, 3))]), 'interop.bin')
class Embeddings(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.word_embeddings = torch.nn.Embedding(5, 3)
        self.LayerNorm = torch.nn.LayerNorm(3)
        self.register_buffer('position_ids', torch.arange(8).expand((1, -1)))
class Tiny(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embeddings = Embeddings()
        self.dense = torch.nn.Linear(3, 2)
sd = Tiny().state_dict()
assert hasattr(sd, '_metadata') and isinstance(sd, collections.OrderedDict)
dumps['module.bin'] = save(sd, 'module.bin')
if not os.path.isdir(golden):  # a fresh clone has no ../shared: only the files above
    print(json.dumps(dumps)); sys.exit(0)
for model in ('nezha_teacher', 'tinybert_student'):
    os.makedirs(os.path.join(out, model), exist_ok=True)
    sd = torch.load(os.path.join(golden, model, 'pytorch_model.bin'), map_location='cpu')
    save(sd, os.path.join(model, 'pytorch_model.bin'))
os.makedirs(os.path.join(out, 'v2'), exist_ok=True)
sd = torch.load(os.path.join(golden, 'tinybert_student', 'pytorch_model.bin'), map_location='cpu')
del sd['fit_dense.weight'], sd['fit_dense.bias']
for i in range(3):
    sd['fit_denses.%d.weight' % i] = torch.randn(64, 32)
    sd['fit_denses.%d.bias' % i] = torch.randn(64)
dumps['v2'] = save(sd, os.path.join('v2', 'pytorch_model.bin'))
print(json.dumps(dumps))`;

type Dump = Record<string, [number[], string]>;
const fromDump = (dump: Dump): TensorMap => new Map(Object.entries(dump).map(([k, [shape, h]]) => {
  const bytes = Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));
  return [k, { shape, dtype: 'F32', data: new Float32Array(bytes.buffer) }];
}));

describe.skipIf(!TORCH_PYTHON)('legacy files written by torch (Debian python3-torch)', () => {
  if (!hasGolden) process.stderr.write(`SKIPPED legacy golden checkpoint tests: ${GOLDEN} not found\n`);
  let dumps: Record<string, Dump> = {};
  beforeAll(() => {
    dumps = JSON.parse(runPython(WRITE_LEGACY, [dir, GOLDEN])) as Record<string, Dump>;
  }, 120_000);

  it('views, shared storages, float16, bfloat16, non-contiguous tensors and parameters read bit for bit', () => {
    const actual = readPytorchBin(join(dir, 'interop.bin'));
    const expected = fromDump(dumps['interop.bin']!);
    expect([...actual.keys()]).toEqual([...expected.keys()]);
    for (const [name, e] of expected) {
      expect(actual.get(name)!.shape, name).toEqual(e.shape);
      expectSameBits(actual.get(name)!.data, e.data, name);
    }
    expect(actual.get('half')!.dtype).toBe('F16');
    expect(actual.get('half_t')!.dtype).toBe('F16');
    expect(actual.get('bf16')!.dtype).toBe('BF16');
    expect(actual.get('tied_b')!.data).toBe(actual.get('tied_a')!.data);
  });

  it('an nn.Module state_dict (OrderedDict with _metadata) loads; its int64 position_ids buffer is skipped', () => {
    const actual = readPytorchBin(join(dir, 'module.bin'));
    const expected = fromDump(dumps['module.bin']!);
    expect(expected.has('embeddings.position_ids')).toBe(true);
    expected.delete('embeddings.position_ids');
    expectSameTensors(actual, expected);
  });

  it.skipIf(!hasGolden)('golden teacher and student saved as legacy files hold the zip files\' tensors bit for bit', () => {
    for (const model of ['nezha_teacher', 'tinybert_student']) {
      expectSameTensors(readPytorchBin(join(dir, model, 'pytorch_model.bin')), readPytorchBin(join(GOLDEN, model, 'pytorch_model.bin')));
    }
  });

  for (const [model, config, outputs] of [
    ['nezha_teacher', 'bert_config.json', 'teacher_outputs.json'],
    ['tinybert_student', 'config.json', 'student_outputs.json'],
  ] as const) {
    it.skipIf(!hasGolden)(`golden ${model} from a legacy pytorch_model.bin reproduces the golden forward outputs on every backend`, async () => {
      const modelDir = join(dir, model);
      copyFileSync(join(GOLDEN, model, config), join(modelDir, config));
      const expected = golden<Record<string, TensorJson>>(outputs);
      const batch = readBatchJson(join(GOLDEN, 'batch.json'));
      for (const backend of await availableBackends()) {
        await useBackend(backend);
        const { model: m, report } = loadModelDir(modelDir);
        expect(report.missing).toEqual([]);
        const rec = forwardRecord(m, batch);
        m.dispose();
        for (const key of Object.keys(expected).filter((k) => !k.startsWith('fit_dense'))) {
          expect(rec[key]!.shape, key).toEqual(expected[key]!.shape);
          expectClose(rec[key]!.data, expected[key]!.data, { atol: 1e-5, maskedBelow: -100, maskedRtol: 1e-6, what: `${backend} ${key}` });
        }
      }
    }, 120_000);
  }

  it.skipIf(!hasGolden)('a TinyBERT v2 legacy checkpoint with fit_denses.N gives per-layer projections from the file, not fresh ones', () => {
    const modelDir = join(dir, 'v2');
    copyFileSync(join(GOLDEN, 'tinybert_student', 'config.json'), join(modelDir, 'config.json'));
    const { model, extras } = loadModelDir(modelDir);
    model.dispose();
    expect([...extras.keys()].sort()).toEqual([0, 1, 2].flatMap((i) => [`fit_denses.${i}.bias`, `fit_denses.${i}.weight`]));
    expect(heldProjection(extras)).toBe('per-layer');
    const projection = initProjection({ kind: 'per-layer', studentHidden: 32, teacherHidden: 64, numStates: 3 }, extras);
    try {
      expect(projection.source).toBe('checkpoint');
      const expected = fromDump(dumps.v2!);
      for (const [name, t] of projection.save()) expectSameBits(t.data, expected.get(name)!.data, name);
      expect(projection.params.size).toBe(6);
    } finally {
      projection.dispose();
    }
  });

  it.skipIf(!hasGolden)('a truncated legacy file is a CheckpointError at every cut: in a pickle, a count, or storage bytes', () => {
    const bytes = readFileSync(join(dir, 'tinybert_student', 'pytorch_model.bin'));
    const dataStart = endOfPickles(bytes, 5);
    const cuts: [number, string][] = [
      [100, 'pickle is truncated'],
      [dataStart - 3, 'storage key list: pickle is truncated'],
      [dataStart + 4, 'truncated: the element count of storage'],
      [dataStart + 8 + 100, 'truncated: storage'],
      [bytes.length - 1, 'truncated: storage'],
    ];
    for (const [cut, message] of cuts) {
      expectCheckpointError(() => decodePytorchBin(bytes.subarray(0, cut), 'student.bin'), 'student.bin: ', message);
    }
  });

  it.skipIf(!hasGolden)('a bit flipped in a storage\'s element count is a CheckpointError naming the storage and both counts', () => {
    const bytes = readFileSync(join(dir, 'tinybert_student', 'pytorch_model.bin'));
    const at = endOfPickles(bytes, 5);
    for (const bit of [0, 5, 40, 63]) {
      const flipped = Uint8Array.from(bytes);
      flipped[at + (bit >> 3)]! ^= 1 << (bit & 7);
      expectCheckpointError(() => decodePytorchBin(flipped, 'flip.bin'), 'flip.bin: storage "', `at byte ${at} declares`, 'but the pickle says', '(corrupt file?)');
    }
  });
});

/** Where the raw storages start: after the first `n` pickles, walked with hooks that accept anything. */
function endOfPickles(bytes: Uint8Array, n: number): number {
  const anything: UnpickleHooks = { findGlobal: (m, g) => `${m}.${g}`, reduce: () => new Map(), build: (o) => o, persistentLoad: () => null };
  let pos = 0;
  for (let i = 0; i < n; i++) pos = unpickleFrom(bytes, pos, anything, 'walk').end;
  return pos;
}

