/**
 * Fuzz: the legacy torch.save reader (see harness.ts) on mutated valid streams, streams with extreme
 * views and counts, and mutated state dict pickles in valid framing. Each input loads or throws a
 * TinybertError; the counts are printed.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { decodePytorchBin } from '../../src/checkpoint/pytorch.js';
import { legacyStatePickle, legacyStream, type LegacyView, type StreamParts } from '../checkpoint/legacy-stream.js';
import { fuzz, mutated, Tally } from './harness.js';

/** Undefined four times in five, else a value of `arb`. */
const mostlyUndefined = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ arbitrary: fc.constant(undefined), weight: 4 }, { arbitrary: arb, weight: 1 });
const floats = (n: number) => new Uint8Array(Float32Array.from({ length: n }, (_, i) => i / 8 - 1).buffer);

/** Every path of the reader: a whole storage, a shared one, a transpose, a legacy storage view, float16, an int64 buffer. */
const VIEWS: LegacyView[] = [
  { name: 'bert.embeddings.word_embeddings.weight', storage: '10', numel: 12, size: [4, 3], stride: [3, 1] },
  { name: 'cls.predictions.decoder.weight', storage: '10', numel: 12, size: [4, 3], stride: [3, 1] },
  { name: 'transposed', storage: '10', numel: 12, size: [3, 4], stride: [1, 3] },
  { name: 'in_view', storage: '20', numel: 8, storageView: ['21', 2, 5], offset: 1, size: [2, 2], stride: [2, 1] },
  { name: 'half', storage: '30', storageClass: 'HalfStorage', numel: 4, size: [4], stride: [1] },
  { name: 'bert.embeddings.position_ids', storage: '40', storageClass: 'LongStorage', numel: 3, size: [1, 3], stride: [3, 1] },
];
const STORAGES: [bigint, Uint8Array][] = [[12n, floats(12)], [8n, floats(8)], [4n, new Uint8Array(8).fill(0x3c)], [3n, new Uint8Array(24)]];
const VALID: StreamParts = { state: legacyStatePickle(VIEWS), keys: ['10', '20', '30', '40'], storages: STORAGES };

describe('fuzz: legacy torch.save streams', () => {
  const valid = legacyStream(VALID);

  it('mutated legacy files and random bytes load or throw CheckpointError', () => {
    decodePytorchBin(valid, 'valid.bin'); // the seed input itself loads
    fuzz(new Tally('pytorch legacy'), mutated(valid), 2500, (bytes) => decodePytorchBin(bytes, 'fuzz.bin'));
  });

  it('mutated state dict pickles in valid framing load or throw CheckpointError', () => {
    const arb = mutated(VALID.state).map((state) => legacyStream({ ...VALID, state }));
    fuzz(new Tally('pytorch legacy (state dict pickle)'), arb, 1000, (bytes) => decodePytorchBin(bytes, 'fuzz.bin'));
  });

  it('extreme views, storage views, element counts and key lists load or throw CheckpointError', () => {
    const dim = fc.constantFrom(0, 1, 2, 3, 7, 16, 1000, 2 ** 20, 2 ** 31, 1e9, 2 ** 53 - 1);
    const small = fc.oneof(fc.nat(20), dim);
    const storage = fc.record({
      cls: fc.constantFrom('FloatStorage', 'HalfStorage', 'BFloat16Storage', 'LongStorage'),
      numel: fc.oneof({ arbitrary: fc.constantFrom(3, 8, 16), weight: 4 }, dim),
      // Mostly the count the pickle declares (so views get rebuilt), sometimes anything.
      count: mostlyUndefined(fc.oneof(fc.constantFrom(0n, 2n ** 31n, 2n ** 40n, 2n ** 63n, 2n ** 64n - 1n), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }))),
      cut: mostlyUndefined(fc.nat(70)),
    });
    const view = fc.record({
      storage: fc.nat(1),
      dims: fc.array(fc.tuple(small, fc.oneof(fc.constant(0), small)), { maxLength: 4 }), // [size, stride] per dimension
      offset: small,
      storageView: fc.option(fc.tuple(fc.constantFrom('v0', 'v1'), small, small), { nil: undefined }),
    });
    // Mostly the storages the views reference, as torch lists them; sometimes any list.
    const keys = mostlyUndefined(fc.array(fc.constantFrom('0', '1', '2'), { maxLength: 3 }));
    const elementBytes: Record<string, number> = { FloatStorage: 4, HalfStorage: 2, BFloat16Storage: 2, LongStorage: 8 };
    const arb = fc.record({ storages: fc.tuple(storage, storage), views: fc.array(view, { minLength: 1, maxLength: 3 }), keys }).map(
      ({ storages, views, keys: listed }) => {
        const keys = listed ?? [...new Set(views.map((v) => String(v.storage)))].sort();
        return legacyStream({
        state: legacyStatePickle(views.map((v, i) => ({
          name: `t${i}`, storage: String(v.storage), storageClass: storages[v.storage]!.cls, numel: storages[v.storage]!.numel,
          storageView: v.storageView, offset: v.offset, size: v.dims.map(([n]) => n), stride: v.dims.map(([, st]) => st),
        }))),
        keys,
        storages: keys.map((k) => {
          const s = storages[Number(k)] ?? storages[0];
          const bytes = s.numel * elementBytes[s.cls]!;
          return [s.count ?? BigInt(s.numel), new Uint8Array(s.cut ?? (bytes <= 1024 ? bytes : 64))] as [bigint, Uint8Array];
        }),
        });
      },
    );
    fuzz(new Tally('pytorch legacy views and counts'), arb, 1500, (bytes) => decodePytorchBin(bytes, 'fuzz.bin'));
  });
});
