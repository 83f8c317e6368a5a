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
 * pickle.ts's VM with the allow-list below: nothing is imported or executed.
 *
 * The legacy format (torch < 1.6, or `_use_new_zipfile_serialization=False`: a stream of pickles
 * then the raw storages) is framed by torch-legacy.ts; its state dict runs through the same
 * allow-list and the same tensor rebuild below.
 */
import { basename, extname } from 'node:path';
import { CheckpointError } from '../errors.js';
import { readFileBytes, writeFileAtomic } from './file-io.js';
import { PickleWriter, unpickle, type UnpickleHooks } from './pickle.js';
import { readLegacyStream } from './torch-legacy.js';
import { encodeStoredZip, readZipRecords } from './zip.js';
import { checkTensor, decodeFloats, DTYPE_BYTES, float32Bytes, INTEGER_BUFFER, numel, type DType, type TensorMap } from './tensor-map.js';

const ZIP_MAGIC = [0x50, 0x4b]; // "PK"
/** PROTO: how a pickle stream, so the legacy format, starts (torch wrote protocol 2 by default). */
const PICKLE_PROTO = 0x80;

/** torch storage classes by name -> element type and bytes per element; only floats can be loaded. */
const STORAGE_DTYPES: Readonly<Record<string, readonly [string, number]>> = {
  FloatStorage: ['float32', 4], HalfStorage: ['float16', 2], BFloat16Storage: ['bfloat16', 2],
  DoubleStorage: ['float64', 8], LongStorage: ['int64', 8], IntStorage: ['int32', 4], ShortStorage: ['int16', 2],
  CharStorage: ['int8', 1], ByteStorage: ['uint8', 1], BoolStorage: ['bool', 1],
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
  constructor(readonly name: string, readonly dtype: string, readonly elementBytes: number) {}
}
class Callable {
  constructor(readonly qualname: string) {}
}
/**
 * A storage as tensors see it: a whole root storage, or (legacy files only) a view of `numel`
 * elements starting at element `base` of `root`.
 */
class Storage {
  constructor(readonly key: string, readonly cls: StorageClass, readonly numel: number, readonly root?: Storage, readonly base = 0) {}
}
class TensorView {
  constructor(readonly storage: Storage, readonly offset: number, readonly size: number[], readonly stride: number[]) {}
}

/**
 * Reads a torch.save checkpoint (zip, or the legacy stream) into float32 tensors, in pickle order.
 * Tensors that are the whole of one storage in the file (tied weights) share one Float32Array, as
 * they do in PyTorch.
 */
export function readPytorchBin(path: string): TensorMap {
  return decodePytorchBin(readFileBytes(path), basename(path));
}

/**
 * Decodes the bytes of a torch.save checkpoint (zip or legacy); `file` names it in error messages.
 * Float32 tensors of a legacy file may share memory with `bytes`.
 */
export function decodePytorchBin(bytes: Uint8Array, file: string): TensorMap {
  const fail: (reason: string) => never = (reason) => {
    throw new CheckpointError(`${file}: ${reason}`);
  };
  if (bytes[0] === PICKLE_PROTO) return decodeLegacy(bytes, file);
  if (!startsWith(bytes, ZIP_MAGIC)) {
    fail('not a PyTorch checkpoint: expected a zip archive (torch.save since 1.6, starts with "PK") or a legacy torch.save pickle stream');
  }
  const { prefix, records } = readZip(bytes, file);
  const pkl = records.get(`${prefix}/data.pkl`) ?? fail(`missing record "${prefix}/data.pkl" (not a torch.save archive?)`);
  const byteorder = records.get(`${prefix}/byteorder`);
  if (byteorder && new TextDecoder().decode(byteorder).trim() !== 'little') {
    fail('storages are big-endian (byteorder record); re-save the checkpoint on a little-endian machine');
  }
  const root = unpickle(pkl, stateDictHooks(file, 'zip').hooks, `${file}: ${prefix}/data.pkl`);
  return rebuildTensors(root, 'data.pkl', file, (storage, name) => {
    const record = `${prefix}/data/${storage.key}`;
    const raw = records.get(record) ?? fail(`missing storage record "${record}" for tensor "${name}"`);
    const expected = storage.numel * storage.cls.elementBytes;
    if (raw.length !== expected) {
      fail(`storage record "${record}" has ${raw.length} bytes but ${storage.numel} ${storage.cls.dtype} elements need ${expected} (truncated?)`);
    }
    return raw;
  });
}

/** A legacy stream: torch-legacy.ts frames it, the state dict pickle runs with the same allow-list. */
function decodeLegacy(bytes: Uint8Array, file: string): TensorMap {
  const { hooks, storages } = stateDictHooks(file, 'legacy');
  const stream = readLegacyStream(bytes, file, hooks, (key) => {
    const s = storages.get(key);
    return s && { numel: s.numel, elementBytes: s.cls.elementBytes };
  });
  return rebuildTensors(stream.root, 'state dict pickle', file, (storage, name) =>
    stream.storages.get(storage.key) ??
      failIn(file, `storage "${storage.key}" of tensor "${name}" is not in the list of storages after the pickle (corrupt file?)`));
}

function failIn(file: string, reason: string): never {
  throw new CheckpointError(`${file}: ${reason}`);
}

/**
 * The state dict's tensors as float32, in pickle order. `rootBytes` returns the raw bytes of a root
 * storage, checked to hold exactly its declared elements. Tensors that are the whole of one storage
 * (tied weights) share one Float32Array, as they do in PyTorch.
 */
function rebuildTensors(root: unknown, pickleName: string, file: string, rootBytes: (storage: Storage, tensor: string) => Uint8Array): TensorMap {
  const reject: (reason: string) => never = (reason) => failIn(file, reason);
  if (!(root instanceof Map)) reject(`${pickleName} does not hold a state dict (a dict of tensors)`);
  const decoded = new Map<string, Float32Array>();
  const tensors: TensorMap = new Map();
  for (const [name, value] of root as Map<unknown, unknown>) {
    if (typeof name !== 'string') reject(`state dict key ${String(name)} is not a string`);
    if (value instanceof Map) {
      reject(`entry "${name}" is a dict, not a tensor: this looks like a training checkpoint; save model.state_dict() instead`);
    }
    if (!(value instanceof TensorView)) reject(`entry "${name}" is not a tensor`);
    const view = value as TensorView;
    const rootStorage = view.storage.root ?? view.storage;
    const { cls } = rootStorage;
    if (!LOADABLE[cls.dtype] && INTEGER_BUFFER.test(name)) continue;
    const dtype = LOADABLE[cls.dtype] ??
      reject(`tensor "${name}" has dtype ${cls.dtype} (torch.${cls.name}); only float32, float16 and bfloat16 can be loaded`);
    let data = decoded.get(rootStorage.key);
    if (!data) {
      const raw = rootBytes(rootStorage, name);
      // Zip records are fresh copies and legacy storages slices of the file's bytes: an aligned
      // float32 storage is used in place, without a second copy of the weights.
      data = dtype === 'F32' && raw.byteOffset % 4 === 0 ? new Float32Array(raw.buffer, raw.byteOffset, rootStorage.numel) : decodeFloats(raw, dtype);
      decoded.set(rootStorage.key, data);
    }
    tensors.set(name, { shape: view.size, dtype, data: materialize(name, view, data, reject) });
  }
  return tensors;
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

/**
 * The allow-list: OrderedDict, tensor rebuilders, storage classes, storage persistent ids, in the
 * zip form ('storage', cls, key, location, numel) or the legacy one with view metadata appended.
 * `storages` collects the root storages by key.
 */
function stateDictHooks(file: string, format: 'zip' | 'legacy'): { hooks: UnpickleHooks; storages: Map<string, Storage> } {
  const fail: (reason: string) => never = (reason) => {
    throw new CheckpointError(`${file}: ${reason}`);
  };
  const storages = new Map<string, Storage>();
  const views = new Map<string, Storage>();
  const isInt = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
  const isInts = (v: unknown): v is number[] => Array.isArray(v) && v.every(isInt);
  const hooks: UnpickleHooks = {
    findGlobal(module, name) {
      if (module === 'torch' && Object.hasOwn(STORAGE_DTYPES, name)) return new StorageClass(name, ...STORAGE_DTYPES[name]!);
      if (CALLABLES.has(`${module}.${name}`)) return new Callable(`${module}.${name}`);
      return fail(`pickle references forbidden global "${module}.${name}"; only tensor state dicts can be loaded`);
    },
    reduce(callable, args) {
      if (!(callable instanceof Callable)) return fail('pickle calls a value that is not an allowed function');
      switch (callable.qualname) {
        case 'collections.OrderedDict':
          // Python 3 pickles OrderedDict() then SETITEMS; Python 2 passes the items: OrderedDict([[k, v], ...]).
          return args.length === 0 ? new Map() : orderedDictOf(args, fail);
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
      const length = format === 'zip' ? 5 : 6;
      if (!Array.isArray(pid) || pid.length !== length || pid[0] !== 'storage') return fail('unsupported persistent id in pickle');
      const [, cls, key, , count, viewMetadata] = pid as unknown[];
      if (!(cls instanceof StorageClass) || typeof key !== 'string' || !isInt(count)) {
        return fail('malformed storage reference in pickle');
      }
      let storage = storages.get(key);
      if (!storage) storages.set(key, (storage = new Storage(key, cls, count)));
      else if (storage.cls.name !== cls.name) return fail(`storage "${key}" is used with two dtypes`);
      if (viewMetadata === null || viewMetadata === undefined) return storage;
      // Legacy storage views (torch < 0.4): a slice of the root storage, in its elements.
      const [viewKey, base, size] = Array.isArray(viewMetadata) ? viewMetadata as unknown[] : [];
      if (typeof viewKey !== 'string' || !isInt(base) || !isInt(size) || base + size > storage.numel) {
        return fail(`malformed view of storage "${key}" (${storage.numel} elements) in pickle`);
      }
      let view = views.get(viewKey);
      if (!view) views.set(viewKey, (view = new Storage(viewKey, cls, size, storage, base)));
      return view;
    },
  };
  return { hooks, storages };
}

/** Python 2's OrderedDict reduce arguments, ([[key, value], ...],), as a Map. */
function orderedDictOf(args: readonly unknown[], fail: (reason: string) => never): Map<unknown, unknown> {
  const [items] = args;
  if (args.length !== 1 || !Array.isArray(items)) return fail('OrderedDict called with arguments other than a list of items');
  const map = new Map<unknown, unknown>();
  for (const item of items as unknown[]) {
    if (!Array.isArray(item) || item.length !== 2 || typeof item[0] !== 'string') return fail('OrderedDict item is not a [string, value] pair');
    map.set(item[0], item[1]);
  }
  return map;
}

/**
 * A view with zero strides (torch's expand) has more elements than its storage; past this many it
 * is a corrupted pickle, not a state dict, and materialising it would allocate gigabytes.
 */
const MAX_EXPANDED_ELEMENTS = 1 << 24;

/**
 * The tensor's values as a row-major array: the root storage itself when the view covers it exactly
 * (so tensors sharing a storage in the file share memory here, as in PyTorch), a copy of the
 * contiguous range, or a strided gather for non-contiguous views.
 */
function materialize(name: string, view: TensorView, storage: Float32Array, fail: (r: string) => never): Float32Array {
  const { size, stride } = view;
  const { base, numel: limit } = view.storage;
  const n = numel(size);
  if (n > limit && n > MAX_EXPANDED_ELEMENTS) {
    fail(`tensor "${name}" (shape [${size.join(', ')}], stride [${stride.join(', ')}]) repeats its ${limit}-element storage ` +
      `into ${n} elements; a state dict does not hold such views (corrupted pickle?)`);
  }
  if (n > 0) {
    let last = view.offset;
    for (let d = 0; d < size.length; d++) last += (size[d]! - 1) * stride[d]!;
    if (last >= limit) {
      fail(`tensor "${name}" (offset ${view.offset}, shape [${size.join(', ')}], stride [${stride.join(', ')}]) ` +
        `reads element ${last} but storage "${view.storage.key}" has ${limit}`);
    }
  }
  // A legacy storage view starts `base` elements into its root storage.
  const offset = base + view.offset;
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
