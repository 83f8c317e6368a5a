/**
 * The legacy torch.save format (torch < 1.6, or `_use_new_zipfile_serialization=False`), in which
 * Huawei released the NEZHA and TinyBERT PyTorch checkpoints. One stream, no container:
 *
 *   pickle  magic number 0x1950a86a20f9469cfc6c (a LONG1)
 *   pickle  protocol version 1001
 *   pickle  sys_info: {protocol_version, little_endian, type_sizes: {short, int, long}}
 *   pickle  the state dict; a storage is the persistent id
 *           ('storage', torch.FloatStorage, root_key, location, numel, view_metadata)
 *           with view_metadata None or (view_key, offset, size) in elements of the root storage
 *   pickle  the list of storage keys, in the order their bytes follow
 *   per key int64 little-endian element count, then count x element size raw little-endian bytes
 *
 * (torch/serialization.py `_legacy_save` / `_legacy_load`.) This module reads only the framing;
 * the state dict pickle runs with the caller's hooks (pytorch.ts's allow-list), and the header
 * pickles with hooks that refuse every global, call and persistent id. Every declared count is
 * checked against the pickle and against the bytes left in the file before anything is sliced, so
 * a corrupt count cannot allocate memory.
 */
import { CheckpointError } from '../errors.js';
import { unpickleFrom, type UnpickleHooks } from './pickle.js';

const MAGIC_NUMBER = 0x1950a86a20f9469cfc6cn;
const PROTOCOL_VERSION = 1001;
const COUNT_BYTES = 8;

/** What the state dict pickle declared about one root storage. */
export interface LegacyStorage {
  numel: number;
  elementBytes: number;
}

/**
 * Splits a legacy torch.save stream into the state dict (unpickled with `hooks`) and the raw bytes
 * of each storage by key. `storageOf` answers for the root storages the state dict pickle named.
 */
export function readLegacyStream(
  bytes: Uint8Array, file: string, hooks: UnpickleHooks, storageOf: (key: string) => LegacyStorage | undefined,
): { root: unknown; storages: Map<string, Uint8Array> } {
  const fail: (reason: string) => never = (reason) => {
    throw new CheckpointError(`${file}: ${reason}`);
  };
  let pos = 0;
  const next = (what: string, using: UnpickleHooks = plainHooks(file, what)): unknown => {
    if (pos >= bytes.length) fail(`legacy torch.save file ends before its ${what} pickle (truncated?)`);
    const { value, end } = unpickleFrom(bytes, pos, using, `${file}: legacy torch.save ${what}`);
    pos = end;
    return value;
  };

  const magic = next('magic number');
  if (magic !== MAGIC_NUMBER) {
    fail(`a pickle that does not start with torch's magic number 0x1950a86a20f9469cfc6c (found ${describe(magic)}): not a torch.save file`);
  }
  const protocol = next('protocol version');
  if (protocol !== PROTOCOL_VERSION) fail(`legacy torch.save protocol version ${describe(protocol)}, expected ${PROTOCOL_VERSION}`);
  const sysInfo = next('sys_info');
  if (!(sysInfo instanceof Map)) fail(`legacy torch.save sys_info is ${describe(sysInfo)}, expected a dict`);
  if ((sysInfo as Map<unknown, unknown>).get('little_endian') === false) {
    fail('storages were written on a big-endian machine (sys_info little_endian=False); re-save the checkpoint on a little-endian machine');
  }
  const root = next('state dict', hooks);
  const keys = next('storage key list');
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string')) fail('legacy torch.save storage key list is not a list of strings');

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const storages = new Map<string, Uint8Array>();
  for (const key of keys as string[]) {
    const storage = storageOf(key) ?? fail(`storage "${key}" is listed after the pickle but no tensor references it (corrupt file?)`);
    if (storages.has(key)) fail(`storage "${key}" is listed twice after the pickle (corrupt file?)`);
    if (pos + COUNT_BYTES > bytes.length) fail(`truncated: the element count of storage "${key}" is missing at byte ${pos}`);
    const count = view.getBigUint64(pos, true);
    if (count !== BigInt(storage.numel)) {
      fail(`storage "${key}" at byte ${pos} declares ${count} elements but the pickle says ${storage.numel} (corrupt file?)`);
    }
    pos += COUNT_BYTES;
    const length = storage.numel * storage.elementBytes;
    if (pos + length > bytes.length) {
      fail(`truncated: storage "${key}" needs ${length} bytes at byte ${pos} but the file has ${bytes.length - pos} left`);
    }
    storages.set(key, bytes.subarray(pos, pos + length));
    pos += length;
  }
  if (pos !== bytes.length) fail(`${bytes.length - pos} unexpected bytes after the last storage at byte ${pos} (corrupt file?)`);
  return { root, storages };
}

/** Hooks for the header pickles and the key list: plain values only. */
function plainHooks(file: string, what: string): UnpickleHooks {
  const refuse = (): never => {
    throw new CheckpointError(`${file}: legacy torch.save ${what} pickle holds an object, expected plain values (corrupt file?)`);
  };
  return { findGlobal: refuse, reduce: refuse, build: refuse, persistentLoad: refuse };
}

function describe(value: unknown): string {
  if (typeof value === 'bigint') return `0x${value.toString(16)}`;
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value instanceof Map) return 'a dict';
  if (Array.isArray(value)) return 'a list';
  return String(value);
}
