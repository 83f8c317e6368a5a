/**
 * PyTorch `torch.save` checkpoints (`pytorch_model.bin`), the zip format of torch >= 1.6:
 *
 *   <archive>/data.pkl     pickle (protocol 2) of the state dict: an OrderedDict name -> tensor,
 *                          each tensor `torch._utils._rebuild_tensor_v2(storage, storage_offset,
 *                          size, stride, requires_grad, backward_hooks)` whose storage is the
 *                          persistent id ('storage', torch.FloatStorage, key, location, numel)
 *   <archive>/data/<key>   raw little-endian bytes of storage <key> (several tensors may be views
 *                          of one storage, e.g. tied embedding / decoder weights)
 *   <archive>/version      serialization version, "3\n"
 *   (torch >= 2.1 adds <archive>/byteorder and <archive>/.data/serialization_id)
 *
 * `<archive>` is the top folder of the first record (torch writes the file stem, later versions
 * "archive"), so it is read, never assumed. Records are stored uncompressed; zip.ts checks each
 * record's CRC-32 against the central directory before it is used. The pickle runs in
 * pickle.ts's VM with the allow-list below: nothing is imported or executed. The pre-1.6 legacy
 * format (a bare pickle stream starting with protocol 2 and a magic number) is rejected with the
 * conversion recipe.
 */
import { basename, extname } from 'node:path';
import { CheckpointError } from '../errors.js';
import { readFileBytes, writeFileAtomic } from './file-io.js';
import { PickleWriter, unpickle, type UnpickleHooks } from './pickle.js';
import { encodeStoredZip, readZipRecords } from './zip.js';
import { checkTensor, decodeFloats, DTYPE_BYTES, float32Bytes, INTEGER_BUFFER, numel, type DType, type TensorMap } from './tensor-map.js';

const ZIP_MAGIC = [0x50, 0x4b]; // "PK"
/** A pickle opening with PROTO 2: how the legacy format (and any bare pickle) starts. */
const PICKLE_PROTO_2 = [0x80, 0x02];
/** What torch's legacy writer pickles first: LONG1 of 10 bytes, 0x1950a86a20f9469cfc6c. */
const LEGACY_MAGIC = [0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

/** torch storage classes by name -> element type; only the float ones can be loaded. */
const STORAGE_DTYPES: Readonly<Record<string, string>> = {
  FloatStorage: 'float32', HalfStorage: 'float16', BFloat16Storage: 'bfloat16',
  DoubleStorage: 'float64', LongStorage: 'int64', IntStorage: 'int32', ShortStorage: 'int16',
  CharStorage: 'int8', ByteStorage: 'uint8', BoolStorage: 'bool',
};
const LOADABLE: Readonly<Record<string, DType>> = { float32: 'F32', float16: 'F16', bfloat16: 'BF16' };

/** The only callables a state dict pickle may name; everything else is refused. */
const CALLABLES = new Set([
  'collections.OrderedDict',
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_tensor',
  'torch._utils._rebuild_parameter',
]);

// Tokens the pickle VM builds in place of Python objects.
class StorageClass {
  constructor(readonly name: string, readonly dtype: string) {}
}
class Callable {
  constructor(readonly qualname: string) {}
}
class Storage {
  constructor(readonly key: string, readonly cls: StorageClass, readonly numel: number) {}
}
class TensorView {
  constructor(readonly storage: Storage, readonly offset: number, readonly size: number[], readonly stride: number[]) {}
}

/**
 * Reads a torch.save zip checkpoint into float32 tensors, in pickle order. Tensors that are the
 * whole of one storage in the file (tied weights) share one Float32Array, as they do in PyTorch.
 */
export function readPytorchBin(path: string): TensorMap {
  return decodePytorchBin(readFileBytes(path), basename(path));
}

/** Decodes the bytes of a torch.save zip checkpoint; `file` names it in error messages. */
export function decodePytorchBin(bytes: Uint8Array, file: string): TensorMap {
  const fail: (reason: string) => never = (reason) => {
    throw new CheckpointError(`${file}: ${reason}`);
  };
  if (!startsWith(bytes, ZIP_MAGIC)) {
    if (startsWith(bytes, PICKLE_PROTO_2)) fail(legacyMessage(startsWith(bytes.subarray(2), LEGACY_MAGIC)));
    fail('not a PyTorch checkpoint: expected a zip archive (torch.save since 1.6), the file does not start with "PK"');
  }
  const { prefix, records } = readZip(bytes, file);
  const pkl = records.get(`${prefix}/data.pkl`) ?? fail(`missing record "${prefix}/data.pkl" (not a torch.save archive?)`);
  const byteorder = records.get(`${prefix}/byteorder`);
  if (byteorder && new TextDecoder().decode(byteorder).trim() !== 'little') {
    fail('storages are big-endian (byteorder record); re-save the checkpoint on a little-endian machine');
  }
  const root = unpickle(pkl, stateDictHooks(file), `${file}: ${prefix}/data.pkl`);
  if (!(root instanceof Map)) fail('data.pkl does not hold a state dict (a dict of tensors)');

  const decoded = new Map<string, Float32Array>();
  const tensors: TensorMap = new Map();
  for (const [name, value] of root as Map<unknown, unknown>) {
    if (typeof name !== 'string') fail(`state dict key ${String(name)} is not a string`);
    if (value instanceof Map) {
      fail(`entry "${name}" is a dict, not a tensor: this looks like a training checkpoint; save model.state_dict() instead`);
    }
    if (!(value instanceof TensorView)) fail(`entry "${name}" is not a tensor`);
    const view = value as TensorView;
    const { storage } = view;
    if (!LOADABLE[storage.cls.dtype] && INTEGER_BUFFER.test(name)) continue;
    const dtype = LOADABLE[storage.cls.dtype] ??
      fail(`tensor "${name}" has dtype ${storage.cls.dtype} (torch.${storage.cls.name}); only float32, float16 and bfloat16 can be loaded`);
    let data = decoded.get(storage.key);
    if (!data) {
      const record = `${prefix}/data/${storage.key}`;
      const raw = records.get(record) ?? fail(`missing storage record "${record}" for tensor "${name}"`);
      const expected = storage.numel * DTYPE_BYTES[dtype];
      if (raw.length !== expected) {
        fail(`storage record "${record}" has ${raw.length} bytes but ${storage.numel} ${storage.cls.dtype} elements need ${expected} (truncated?)`);
      }
      // readZip hands out fresh, aligned copies, so float32 storages are used without a second copy.
      data = dtype === 'F32' && raw.byteOffset % 4 === 0 ? new Float32Array(raw.buffer, raw.byteOffset, storage.numel) : decodeFloats(raw, dtype);
      decoded.set(storage.key, data);
    }
    tensors.set(name, { shape: view.size, dtype, data: materialize(name, view, data, fail) });
  }
  return tensors;
}

function legacyMessage(hasMagic: boolean): string {
  return `this is the legacy (pre-1.6) torch.save format${hasMagic ? ' (pickle magic number 0x1950a86a20f9469cfc6c)' : ' (a bare pickle stream)'}, which cannot be read; ` +
    'convert it with a recent PyTorch: torch.save(torch.load("old.bin"), "pytorch_model.bin"), ' +
    'or save it as safetensors: safetensors.torch.save_file(torch.load("old.bin"), "model.safetensors")';
}

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return bytes.length >= prefix.length && prefix.every((b, i) => bytes[i] === b);
}

/** Every record, CRC-checked (zip.ts); the archive folder is the first record's top folder. */
function readZip(bytes: Uint8Array, file: string): { prefix: string; records: Map<string, Uint8Array> } {
  const records = readZipRecords(bytes, file);
  const first = records.keys().next().value;
  if (first === undefined) throw new CheckpointError(`${file}: empty zip archive, missing data.pkl`);
  if (!first.includes('/')) throw new CheckpointError(`${file}: zip records are not inside an archive folder (not a torch.save archive)`);
  return { prefix: first.slice(0, first.indexOf('/')), records };
}

/** The allow-list: OrderedDict, tensor rebuilders, storage classes, storage persistent ids. */
function stateDictHooks(file: string): UnpickleHooks {
  const fail: (reason: string) => never = (reason) => {
    throw new CheckpointError(`${file}: ${reason}`);
  };
  const storages = new Map<string, Storage>();
  const isInt = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
  const isInts = (v: unknown): v is number[] => Array.isArray(v) && v.every(isInt);
  return {
    findGlobal(module, name) {
      if (module === 'torch' && name in STORAGE_DTYPES) return new StorageClass(name, STORAGE_DTYPES[name]!);
      if (CALLABLES.has(`${module}.${name}`)) return new Callable(`${module}.${name}`);
      return fail(`pickle references forbidden global "${module}.${name}"; only tensor state dicts can be loaded`);
    },
    reduce(callable, args) {
      if (!(callable instanceof Callable)) return fail('pickle calls a value that is not an allowed function');
      switch (callable.qualname) {
        case 'collections.OrderedDict':
          return args.length === 0 ? new Map() : fail('OrderedDict called with arguments');
        case 'torch._utils._rebuild_parameter':
          return args[0] instanceof TensorView ? args[0] : fail('_rebuild_parameter of a non-tensor');
        default: {
          // _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, metadata]) and
          // _rebuild_tensor(storage, offset, size, stride): only the first four matter here.
          const [storage, offset, size, stride] = args;
          if (!(storage instanceof Storage) || !isInt(offset) || !isInts(size) || !isInts(stride) ||
            size.length !== stride.length) {
            return fail(`${callable.qualname} with malformed arguments`);
          }
          return new TensorView(storage, offset, [...size], [...stride]);
        }
      }
    },
    build(obj, _state) {
      // OrderedDict state is `_metadata` (module versions): not needed to read the tensors.
      return obj instanceof Map ? obj : fail('pickle sets state on an object other than an OrderedDict');
    },
    persistentLoad(pid) {
      if (!Array.isArray(pid) || pid.length !== 5 || pid[0] !== 'storage') return fail('unsupported persistent id in pickle');
      const [, cls, key, , count] = pid as unknown[];
      if (!(cls instanceof StorageClass) || typeof key !== 'string' || !isInt(count)) {
        return fail('malformed storage reference in pickle');
      }
      const known = storages.get(key);
      if (known) return known.cls === cls || known.cls.name === cls.name ? known : fail(`storage "${key}" is used with two dtypes`);
      const storage = new Storage(key, cls, count);
      storages.set(key, storage);
      return storage;
    },
  };
}

/**
 * A view with zero strides (torch's expand) has more elements than its storage; past this many it
 * is a corrupted pickle, not a state dict, and materialising it would allocate gigabytes.
 */
const MAX_EXPANDED_ELEMENTS = 1 << 24;

/**
 * The tensor's values as a row-major array: the storage itself when the view covers it exactly
 * (so tensors sharing a storage in the file share memory here, as in PyTorch), a copy of the
 * contiguous range, or a strided gather for non-contiguous views.
 */
function materialize(name: string, view: TensorView, storage: Float32Array, fail: (r: string) => never): Float32Array {
  const { offset, size, stride } = view;
  const n = numel(size);
  if (n > storage.length && n > MAX_EXPANDED_ELEMENTS) {
    fail(`tensor "${name}" (shape [${size.join(', ')}], stride [${stride.join(', ')}]) repeats its ${storage.length}-element storage ` +
      `into ${n} elements; a state dict does not hold such views (corrupted pickle?)`);
  }
  if (n > 0) {
    let last = offset;
    for (let d = 0; d < size.length; d++) last += (size[d]! - 1) * stride[d]!;
    if (last >= storage.length) {
      fail(`tensor "${name}" (offset ${offset}, shape [${size.join(', ')}], stride [${stride.join(', ')}]) ` +
        `reads element ${last} but storage "${view.storage.key}" has ${storage.length}`);
    }
  }
  let contiguous = true;
  for (let d = size.length - 1, expected = 1; d >= 0; expected *= size[d]!, d--) {
    if (size[d]! !== 1 && stride[d] !== expected) contiguous = false;
  }
  if (contiguous) return offset === 0 && n === storage.length ? storage : storage.slice(offset, offset + n);
  const out = new Float32Array(n);
  // Copy bit patterns (Uint32 views), so NaN payloads survive like every other value.
  const src = new Uint32Array(storage.buffer, storage.byteOffset, storage.length);
  const dst = new Uint32Array(out.buffer);
  const index = new Array<number>(size.length).fill(0);
  let p = offset;
  for (let i = 0; i < n; i++) {
    dst[i] = src[p]!;
    // Odometer over the dimensions, last fastest.
    for (let d = size.length - 1; d >= 0; d--) {
      p += stride[d]!;
      if (++index[d]! < size[d]!) break;
      p -= stride[d]! * size[d]!;
      index[d] = 0;
    }
  }
  return out;
}

/** Writes tensors as a torch.save zip checkpoint (float32) that `torch.load` reads. Atomic. */
export function writePytorchBin(path: string, tensors: TensorMap): void {
  const file = basename(path);
  const archive = basename(path, extname(path)) || 'archive';
  writeFileAtomic(path, encodePytorchBin(tensors, archive, file));
}

/** The checkpoint as chunks: one float32 storage per tensor, records as torch 2.x orders them. */
export function encodePytorchBin(tensors: TensorMap, archive: string, file = 'pytorch_model.bin'): Uint8Array[] {
  const p = new PickleWriter();
  p.global('collections', 'OrderedDict').emptyTuple().reduce().mark();
  const storages: { name: string; data: Uint8Array }[] = [];
  for (const [name, t] of tensors) {
    checkTensor(file, name, t);
    const key = String(storages.length);
    const n = t.data.length;
    p.str(name).global('torch._utils', '_rebuild_tensor_v2').mark();
    p.mark().str('storage').global('torch', 'FloatStorage').str(key).str('cpu').int(n).tuple().persid();
    p.int(0).intTuple(t.shape).intTuple(rowMajorStrides(t.shape)).bool(false);
    p.global('collections', 'OrderedDict').emptyTuple().reduce(); // backward_hooks
    p.tuple().reduce();
    storages.push({ name: `${archive}/data/${key}`, data: float32Bytes(t.data) });
  }
  const ascii = (s: string) => new TextEncoder().encode(s);
  return encodeStoredZip(file, [
    { name: `${archive}/data.pkl`, data: p.setItems().finish() },
    { name: `${archive}/byteorder`, data: ascii('little') },
    ...storages,
    { name: `${archive}/version`, data: ascii('3\n') },
  ]);
}

function rowMajorStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  for (let d = shape.length - 1, s = 1; d >= 0; s *= Math.max(shape[d]!, 1), d--) strides[d] = s;
  return strides;
}
