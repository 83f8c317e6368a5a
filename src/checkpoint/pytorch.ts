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
 * "archive"), so it is read, never assumed. Records are stored uncompressed; each record's CRC-32
 * is checked against the central directory before it is used. The pickle runs in
 * pickle.ts's VM with the allow-list below: nothing is imported or executed. The pre-1.6 legacy
 * format (a bare pickle stream starting with protocol 2 and a magic number) is rejected with the
 * conversion recipe.
 */
import { basename, extname } from 'node:path';
import * as zlib from 'node:zlib';
import { CheckpointError } from '../errors.js';
import { readFileBytes, writeFileAtomic } from './file-io.js';
import { PickleWriter, unpickle, type UnpickleHooks } from './pickle.js';
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

// The zip container, read from its central directory (as torch's reader does), every record's
// CRC-32 checked before use: a bit flip in a stored storage record otherwise loads as other weights.
//   end record    [sig 0x06054b50, disk, disk, count, count, central size, central offset, comment length]
//   zip64 locator [sig 0x07064b50, disk, zip64 end record offset, disks] just before the end record
//   zip64 end     [sig 0x06064b50, ..., count at 32 (u64), central offset at 48 (u64)]
//   central entry [sig 0x02014b50, ..., method at 10, crc32 at 16, sizes at 20/24, name length at 28,
//                  extra length at 30, comment length at 32, local header offset at 42], name, extra
//   zip64 extra   [id 0x0001, length, then the u64 fields whose 32-bit field is 0xffffffff:
//                  uncompressed size, compressed size, local header offset]
const END_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_END_SIG = 0x06064b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;
const ZIP64_EXTRA_ID = 0x0001;
const MAX_COMMENT_BYTES = 0xffff;
const METHOD_STORED = 0;
const METHOD_DEFLATE = 8;
/** deflate cannot expand data by more than this ratio; a larger declared size is a corrupt header. */
const MAX_DEFLATE_RATIO = 1032;

interface ZipEntry {
  name: string;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

/** Reads every record, checking its CRC-32; the archive folder is the first record's top folder. */
function readZip(bytes: Uint8Array, file: string): { prefix: string; records: Map<string, Uint8Array> } {
  const fail: (reason: string) => never = (reason) => {
    throw new CheckpointError(`${file}: truncated or corrupted zip archive (${reason})`);
  };
  const entries = centralDirectory(bytes, fail);
  if (entries.length === 0) throw new CheckpointError(`${file}: empty zip archive, missing data.pkl`);
  const first = entries[0]!.name;
  if (!first.includes('/')) throw new CheckpointError(`${file}: zip records are not inside an archive folder (not a torch.save archive)`);
  const records = new Map<string, Uint8Array>();
  for (const e of entries) {
    if (records.has(e.name)) fail(`record "${e.name}" occurs twice`);
    const data = recordData(bytes, e, fail);
    const crc = crc32(data);
    if (crc !== e.crc) {
      throw new CheckpointError(`${file}: record "${e.name}" is corrupted: CRC-32 0x${hex(crc)} but the archive says 0x${hex(e.crc)}`);
    }
    records.set(e.name, data);
  }
  return { prefix: first.slice(0, first.indexOf('/')), records };
}

function centralDirectory(bytes: Uint8Array, fail: (reason: string) => never): ZipEntry[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (at: number) => (at + 2 <= bytes.length ? v.getUint16(at, true) : fail(`read past the end at byte ${at}`));
  const u32 = (at: number) => (at + 4 <= bytes.length ? v.getUint32(at, true) : fail(`read past the end at byte ${at}`));
  const u64 = (at: number) => {
    const n = u32(at) + u32(at + 4) * 2 ** 32;
    return Number.isSafeInteger(n) ? n : fail(`64-bit field at byte ${at} is too large`);
  };
  let end = bytes.length - END_RECORD_BYTES;
  const lowest = Math.max(0, end - MAX_COMMENT_BYTES);
  while (end >= lowest && !(v.getUint32(end, true) === END_SIG)) end--;
  if (end < lowest) fail('no end-of-central-directory record');
  let count = u16(end + 10);
  let at = u32(end + 16);
  const locator = end - 20;
  if (locator >= 0 && v.getUint32(locator, true) === ZIP64_LOCATOR_SIG) {
    const zip64End = u64(locator + 8);
    if (u32(zip64End) !== ZIP64_END_SIG) fail('zip64 end record not found where its locator points');
    count = u64(zip64End + 32);
    at = u64(zip64End + 48);
  }
  // Each entry takes at least CENTRAL_HEADER_BYTES, so a corrupt count cannot loop for long.
  if (count * CENTRAL_HEADER_BYTES > bytes.length) fail(`${count} records declared in ${bytes.length} bytes`);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (u32(at) !== CENTRAL_SIG) fail(`central directory entry ${i} not found at byte ${at}`);
    const nameLength = u16(at + 28);
    const extraLength = u16(at + 30);
    const nameAt = at + CENTRAL_HEADER_BYTES;
    if (nameAt + nameLength + extraLength > bytes.length) fail(`central directory entry ${i} runs past the end`);
    const entry: ZipEntry = {
      name: new TextDecoder().decode(bytes.subarray(nameAt, nameAt + nameLength)),
      method: u16(at + 10),
      crc: u32(at + 16),
      compressedSize: u32(at + 20),
      size: u32(at + 24),
      localOffset: u32(at + 42),
    };
    readZip64Extra(entry, nameAt + nameLength, extraLength, u16, u64);
    entries.push(entry);
    at = nameAt + nameLength + extraLength + u16(at + 32);
  }
  return entries;
}

/** Replaces the 0xffffffff size / offset fields by their 64-bit values from the zip64 extra field. */
function readZip64Extra(e: ZipEntry, at: number, length: number, u16: (at: number) => number, u64: (at: number) => number): void {
  if (e.size !== ZIP32_LIMIT && e.compressedSize !== ZIP32_LIMIT && e.localOffset !== ZIP32_LIMIT) return;
  for (let p = at; p + EXTRA_HEADER_BYTES <= at + length; p += EXTRA_HEADER_BYTES + u16(p + 2)) {
    if (u16(p) !== ZIP64_EXTRA_ID) continue;
    let field = p + EXTRA_HEADER_BYTES;
    const next = () => {
      const n = u64(field);
      field += 8;
      return n;
    };
    if (e.size === ZIP32_LIMIT) e.size = next();
    if (e.compressedSize === ZIP32_LIMIT) e.compressedSize = next();
    if (e.localOffset === ZIP32_LIMIT) e.localOffset = next();
    return;
  }
}

/** The record's uncompressed bytes, in a fresh buffer (so float32 storages are aligned). */
function recordData(bytes: Uint8Array, e: ZipEntry, fail: (reason: string) => never): Uint8Array {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = e.localOffset;
  if (at + LOCAL_HEADER_BYTES > bytes.length || v.getUint32(at, true) !== LOCAL_SIG) {
    fail(`local header of record "${e.name}" not found at byte ${at}`);
  }
  const start = at + LOCAL_HEADER_BYTES + v.getUint16(at + 26, true) + v.getUint16(at + 28, true);
  if (start + e.compressedSize > bytes.length) fail(`record "${e.name}" runs past the end of the file`);
  const raw = bytes.subarray(start, start + e.compressedSize);
  if (e.method === METHOD_STORED) {
    if (e.size !== e.compressedSize) fail(`stored record "${e.name}" declares ${e.size} bytes but holds ${e.compressedSize}`);
    return raw.slice();
  }
  if (e.method !== METHOD_DEFLATE) fail(`record "${e.name}" uses compression method ${e.method}; expected stored (0) or deflate (8)`);
  if (e.size > e.compressedSize * MAX_DEFLATE_RATIO + 1) fail(`record "${e.name}" declares ${e.size} bytes from ${e.compressedSize} compressed`);
  let out: Buffer;
  try {
    out = zlib.inflateRawSync(raw, { maxOutputLength: Math.max(e.size, 1) });
  } catch (err) {
    return fail(`record "${e.name}": ${(err as Error).message}`);
  }
  if (out.length !== e.size) fail(`record "${e.name}" inflates to ${out.length} bytes, not ${e.size}`);
  return new Uint8Array(out.buffer.slice(out.byteOffset, out.byteOffset + out.length));
}

const hex = (n: number) => n.toString(16).padStart(8, '0');

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

// A zip archive of stored (uncompressed) records, laid out as torch's own writer does: every
// record's data starts on a 64-byte boundary (padding goes into an "FB" extra field), so readers
// can map storages straight from the file. Sizes are classic 32-bit zip fields (no zip64).
//   local header  [sig 0x04034b50, version, flags, method 0, time, date, crc32, size, size,
//                  name length, extra length] (30 bytes), name, extra, data
//   central entry [sig 0x02014b50, ..., local header offset] (46 bytes), name     one per record
//   end record    [sig 0x06054b50, disk, disk, count, count, central size, central offset, 0]

const RECORD_ALIGN = 64;
const LOCAL_HEADER_BYTES = 30;
const CENTRAL_HEADER_BYTES = 46;
const END_RECORD_BYTES = 22;
const EXTRA_HEADER_BYTES = 4;
const PADDING_EXTRA_ID = 0x4246; // "FB", as torch's writer
const ZIP_VERSION = 20;
const UTF8_NAMES_FLAG = 0x0800;
const DOS_DATE_1980_01_01 = 0x21; // fixed timestamp: identical tensors give identical files
const ZIP32_LIMIT = 0xffffffff;

function encodeStoredZip(file: string, records: { name: string; data: Uint8Array }[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const { name, data } of records) {
    const nameBytes = new TextEncoder().encode(name);
    const padding = (RECORD_ALIGN - ((offset + LOCAL_HEADER_BYTES + nameBytes.length + EXTRA_HEADER_BYTES) % RECORD_ALIGN)) % RECORD_ALIGN;
    const crc = crc32(data);
    const local = new DataView(new ArrayBuffer(LOCAL_HEADER_BYTES + nameBytes.length + EXTRA_HEADER_BYTES + padding));
    local.setUint32(0, 0x04034b50, true);
    writeCommon(local, 4, crc, data.length, nameBytes.length, EXTRA_HEADER_BYTES + padding);
    const localBytes = new Uint8Array(local.buffer);
    localBytes.set(nameBytes, LOCAL_HEADER_BYTES);
    local.setUint16(LOCAL_HEADER_BYTES + nameBytes.length, PADDING_EXTRA_ID, true);
    local.setUint16(LOCAL_HEADER_BYTES + nameBytes.length + 2, padding, true);
    localBytes.fill(0x5a, LOCAL_HEADER_BYTES + nameBytes.length + EXTRA_HEADER_BYTES); // "Z"

    const entry = new DataView(new ArrayBuffer(CENTRAL_HEADER_BYTES + nameBytes.length));
    entry.setUint32(0, 0x02014b50, true);
    entry.setUint16(4, ZIP_VERSION, true); // version made by
    writeCommon(entry, 6, crc, data.length, nameBytes.length, 0);
    entry.setUint32(42, offset, true);
    new Uint8Array(entry.buffer).set(nameBytes, CENTRAL_HEADER_BYTES);

    chunks.push(localBytes, data);
    central.push(new Uint8Array(entry.buffer));
    offset += localBytes.length + data.length;
    if (offset > ZIP32_LIMIT) {
      throw new CheckpointError(`${file}: larger than 4 GiB, which needs zip64; write model.safetensors instead`);
    }
  }
  const centralBytes = central.reduce((sum, c) => sum + c.length, 0);
  const end = new DataView(new ArrayBuffer(END_RECORD_BYTES));
  end.setUint32(0, 0x06054b50, true);
  end.setUint16(8, records.length, true);
  end.setUint16(10, records.length, true);
  end.setUint32(12, centralBytes, true);
  end.setUint32(16, offset, true);
  return [...chunks, ...central, new Uint8Array(end.buffer)];
}

/** Fields shared by local and central headers, from "version needed" to "extra length". */
function writeCommon(v: DataView, at: number, crc: number, size: number, nameLength: number, extraLength: number): void {
  v.setUint16(at, ZIP_VERSION, true);
  v.setUint16(at + 2, UTF8_NAMES_FLAG, true);
  v.setUint16(at + 4, 0, true); // method: stored
  v.setUint16(at + 6, 0, true); // time 00:00:00
  v.setUint16(at + 8, DOS_DATE_1980_01_01, true);
  v.setUint32(at + 10, crc, true);
  v.setUint32(at + 14, size, true); // compressed size
  v.setUint32(at + 18, size, true); // uncompressed size
  v.setUint16(at + 22, nameLength, true);
  v.setUint16(at + 24, extraLength, true);
}

let crcTable: Uint32Array | undefined;

/** CRC-32 (zip polynomial 0xedb88320): zlib's from Node 20.15, else a byte table. */
function crc32(data: Uint8Array): number {
  if (typeof zlib.crc32 === 'function') return zlib.crc32(data);
  const table = (crcTable ??= Uint32Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  }));
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
