/**
 * Fuzz: every weights reader on mutated valid files and random ones (see harness.ts). Each input
 * loads or throws a TinybertError; the counts are printed per reader.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { zipSync } from 'fflate';
import { afterAll, describe, it } from 'vitest';
import { PickleWriter } from '../../src/checkpoint/pickle.js';
import { decodePytorchBin, encodePytorchBin } from '../../src/checkpoint/pytorch.js';
import { decodeSafetensors, encodeSafetensors } from '../../src/checkpoint/safetensors.js';
import { decodeTfjsWeights, encodeTfjsWeights, readTfjsWeights } from '../../src/checkpoint/tfjs-weights.js';
import { parseModelConfig, readModelConfig } from '../../src/model/config.js';
import { sampleTensors } from '../checkpoint/fixtures.js';
import { concat, fuzz, jsonEdited, mutated, Tally, utf8 } from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'tinybert-fuzz-ckpt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const join8 = (chunks: Iterable<Uint8Array>) => concat(...chunks);

describe('fuzz: safetensors', () => {
  const valid = join8(encodeSafetensors(sampleTensors()));
  const headerLength = Number(new DataView(valid.buffer).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(valid.subarray(8, 8 + headerLength))) as object;
  const data = valid.subarray(8 + headerLength);
  /** A file with an edited header (and the original data section). */
  const withHeader = (h: unknown) => {
    const text = utf8(JSON.stringify(h) ?? 'undefined');
    const length = new Uint8Array(8);
    new DataView(length.buffer).setBigUint64(0, BigInt(text.length), true);
    return concat(length, text, data);
  };

  it('mutated bytes, edited header fields and random files load or throw CheckpointError', () => {
    const arb = fc.oneof(mutated(valid), jsonEdited(header).map(withHeader));
    fuzz(new Tally('safetensors'), arb, 3000, (bytes) => decodeSafetensors(bytes, 'fuzz.safetensors'));
  });
});

describe('fuzz: pytorch zip and its pickle', () => {
  const valid = join8(encodePytorchBin(sampleTensors(), 'archive'));
  const pkl = pickleOf(valid);
  const storages = storageRecords(valid);

  it('mutated zip bytes and random files load or throw CheckpointError', () => {
    fuzz(new Tally('pytorch zip'), mutated(valid), 3000, (bytes) => decodePytorchBin(bytes, 'fuzz.bin'));
  });

  it('mutated and generated data.pkl, re-zipped with valid CRCs, load or throw CheckpointError', () => {
    const rezip = (pkl: Uint8Array) => zipSync({ ...storages, 'archive/data.pkl': pkl }, { level: 0 });
    const arb = fc.oneof(mutated(pkl), generatedPickle);
    fuzz(new Tally('pickle (in a valid zip)'), arb.map(rezip), 2000, (bytes) => decodePytorchBin(bytes, 'fuzz.bin'));
  });

  it('state dicts with extreme sizes, strides, offsets and storage sizes load or throw CheckpointError', () => {
    const dim = fc.constantFrom(0, 1, 2, 3, 7, 16, 1000, 2 ** 20, 2 ** 31, 1e9, 2 ** 53 - 1);
    const view = fc.record({
      dims: fc.array(fc.tuple(dim, fc.oneof(fc.constant(0), dim)), { maxLength: 4 }), // [size, stride] per dimension
      offset: fc.oneof(fc.nat(20), dim),
      numel: fc.oneof(fc.constantFrom(3, 6, 16, 32), dim), // the records hold 16 float32 / 3 float32
      storage: fc.constantFrom('0', '1', '9'),
      cls: fc.constantFrom('FloatStorage', 'HalfStorage', 'BFloat16Storage', 'LongStorage'),
    });
    const arb = fc.array(view, { minLength: 1, maxLength: 3 }).map((views) => {
      const p = new PickleWriter();
      p.global('collections', 'OrderedDict').emptyTuple().reduce().mark();
      views.forEach((v, i) => {
        p.str(`t${i}`).global('torch._utils', '_rebuild_tensor_v2').mark();
        p.mark().str('storage').global('torch', v.cls).str(v.storage).str('cpu').int(v.numel).tuple().persid();
        p.int(v.offset).intTuple(v.dims.map(([n]) => n)).intTuple(v.dims.map(([, st]) => st)).bool(false);
        p.global('collections', 'OrderedDict').emptyTuple().reduce().tuple().reduce();
      });
      return zipSync({ 'archive/data.pkl': p.setItems().finish(), 'archive/data/0': new Uint8Array(64), 'archive/data/1': new Uint8Array(12) }, { level: 0 });
    });
    fuzz(new Tally('pytorch state dict views'), arb, 1500, (bytes) => decodePytorchBin(bytes, 'fuzz.bin'));
  });
});

describe('fuzz: tfjs model.json and shards', () => {
  const { modelJson, shards } = encodeTfjsWeights(sampleTensors(), { shardBytes: 256 });
  const shardList = [...shards];

  it('edited manifests and mutated shards load or throw CheckpointError (in memory)', () => {
    const arb = fc.oneof(
      jsonEdited(modelJson).map((m) => ({ m, s: shardList })),
      fc.tuple(fc.nat(shardList.length - 1), fc.nat(shardList.length - 1)).chain(([i]) =>
        mutated(shardList[i]!).map((bad) => ({ m: modelJson as unknown, s: shardList.map((s, j) => (j === i ? bad : s)) }))),
      fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 4 }).map((s) => ({ m: modelJson as unknown, s })),
    );
    fuzz(new Tally('tfjs (in memory)'), arb, 2000, ({ m, s }) => decodeTfjsWeights(m as object, s, 'fuzz/model.json'));
  });

  it('mutated model.json text on disk, with shard paths, loads or throws CheckpointError', () => {
    const base = join(dir, 'tfjs');
    mkdirSync(base, { recursive: true });
    modelJson.weightsManifest[0]!.paths.forEach((p, i) => writeFileSync(join(base, p), shardList[i]!));
    const text = utf8(JSON.stringify(modelJson));
    const arb = fc.oneof(mutated(text), jsonEdited(modelJson).map((m) => utf8(JSON.stringify(m) ?? '')));
    fuzz(new Tally('tfjs (model.json on disk)'), arb, 400, (bytes) => {
      writeFileSync(join(base, 'model.json'), bytes);
      return readTfjsWeights(base);
    });
  });
});

describe('fuzz: config.json / bert_config.json', () => {
  const config = {
    model_type: 'nezha', architectures: ['NezhaForSequenceClassification'], vocab_size: 100, hidden_size: 16,
    num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 32, hidden_act: 'gelu', max_position_embeddings: 64,
    type_vocab_size: 2, use_relative_position: true, max_relative_position: 8, id2label: { 0: 'a', 1: 'b' },
    label2id: { a: 0, b: 1 }, classifier_relu: false, fit_size: 64,
  };

  it('edited config objects load or throw ConfigError', () => {
    fuzz(new Tally('model config (objects)'), jsonEdited(config), 3000, (raw) => parseModelConfig(raw, 'fuzz config.json'));
  });

  it('mutated config files load or throw ConfigError', () => {
    const path = join(dir, 'bert_config.json');
    fuzz(new Tally('model config (files)'), mutated(utf8(JSON.stringify(config, null, 2))), 500, (bytes) => {
      writeFileSync(path, bytes);
      return readModelConfig(path);
    });
  });
});

/** data.pkl of a checkpoint written by encodePytorchBin (the first stored record). */
function pickleOf(zip: Uint8Array): Uint8Array {
  const v = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const start = 30 + v.getUint16(26, true) + v.getUint16(28, true);
  return zip.slice(start, start + v.getUint32(18, true));
}

/** The storage records archive/data/<n> of a checkpoint written by encodePytorchBin. */
function storageRecords(zip: Uint8Array): Record<string, Uint8Array> {
  const v = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const out: Record<string, Uint8Array> = {};
  for (let at = 0; v.getUint32(at, true) === 0x04034b50;) {
    const nameLength = v.getUint16(at + 26, true);
    const name = new TextDecoder().decode(zip.subarray(at + 30, at + 30 + nameLength));
    const start = at + 30 + nameLength + v.getUint16(at + 28, true);
    const size = v.getUint32(at + 18, true);
    if (name.startsWith('archive/data/')) out[name] = zip.slice(start, start + size);
    at = start + size;
  }
  return out;
}

/** Opcodes with their argument bytes, some of them huge or negative, as pickle programs. */
const op = (code: number, ...args: fc.Arbitrary<Uint8Array>[]) =>
  fc.tuple(...args).map((parts) => concat(Uint8Array.of(code), ...parts));
const bytesN = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const line = fc.constantFrom('collections\nOrderedDict\n', 'torch._utils\n_rebuild_tensor_v2\n', 'torch\nFloatStorage\n',
  'torch\nHalfStorage\n', 'torch\nLongStorage\n', 'os\nsystem\n', 'x'.repeat(200_000), '\n\n').map(utf8);
const shortText = fc.constantFrom('storage', 'cpu', '0', '1', 'w', '', 'archive').map((s) => concat(Uint8Array.of(s.length), utf8(s)));
const generatedOps = fc
  .array(fc.oneof(
    fc.constantFrom(0x28, 0x2e, 0x30, 0x31, 0x32, 0x4e, 0x88, 0x89, 0x29, 0x74, 0x85, 0x86, 0x87, 0x5d, 0x61, 0x65, 0x6c,
      0x7d, 0x64, 0x73, 0x75, 0x93, 0x52, 0x62, 0x51, 0x94, 0x81, 0x00, 0xff).map((c) => Uint8Array.of(c)),
    op(0x4a, bytesN(4)), op(0x4b, bytesN(1)), op(0x4d, bytesN(2)), op(0x47, bytesN(8)), op(0x8a, fc.integer({ min: 0, max: 12 }).chain(bytesNPlusLength)),
    op(0x58, bytesN(4)), op(0x8c, shortText), op(0x8d, bytesN(8)), op(0x63, line), op(0x71, bytesN(1)), op(0x72, bytesN(4)),
    op(0x68, bytesN(1)), op(0x6a, bytesN(4)), op(0x80, bytesN(1)), op(0x95, bytesN(8)),
  ), { maxLength: 40 })
  .map((ops) => concat(Uint8Array.of(0x80, 0x02), ...ops));
/** Rarely: 200k pushes then one collecting opcode, which must not overflow the call stack. */
const hugeCollection = fc.constantFrom(0x65, 0x6c, 0x74, 0x64, 0x75)
  .map((c) => concat(Uint8Array.of(0x80, 0x02, 0x5d, 0x28), new Uint8Array(200_000).fill(0x4e), Uint8Array.of(c, 0x2e)));
const generatedPickle = fc.oneof({ arbitrary: generatedOps, weight: 40 }, { arbitrary: hugeCollection, weight: 1 });

function bytesNPlusLength(n: number): fc.Arbitrary<Uint8Array> {
  return bytesN(n).map((b) => concat(Uint8Array.of(n), b));
}
