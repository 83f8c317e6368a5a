/**
 * Zip archives as torch.save writes them: reading (stored or deflated records, zip64, every
 * record's CRC-32 checked) and writing (stored, 64-byte aligned records). Every malformed archive
 * is a CheckpointError naming the file and, where there is one, the record.
 */
import * as zlib from 'node:zlib';
import { CheckpointError } from '../errors.js';

const LOCAL_HEADER_BYTES = 30;
const CENTRAL_HEADER_BYTES = 46;
const END_RECORD_BYTES = 22;
const EXTRA_HEADER_BYTES = 4;
/** Largest classic (32-bit) size or offset; in a central entry it means "see the zip64 extra field". */
const ZIP32_LIMIT = 0xffffffff;

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

/**
 * Every record of a zip archive by name, in central-directory order, each CRC-checked; `file`
 * names the archive in errors. Records are fresh copies (so float32 data is aligned).
 */
export function readZipRecords(bytes: Uint8Array, file: string): Map<string, Uint8Array> {
  const fail: (reason: string) => never = (reason) => {
    throw new CheckpointError(`${file}: truncated or corrupted zip archive (${reason})`);
  };
  const records = new Map<string, Uint8Array>();
  for (const e of centralDirectory(bytes, fail)) {
    if (records.has(e.name)) fail(`record "${e.name}" occurs twice`);
    const data = recordData(bytes, e, fail);
    const crc = crc32(data);
    if (crc !== e.crc) {
      throw new CheckpointError(`${file}: record "${e.name}" is corrupted: CRC-32 0x${hex(crc)} but the archive says 0x${hex(e.crc)}`);
    }
    records.set(e.name, data);
  }
  return records;
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

// A zip archive of stored (uncompressed) records, laid out as torch's own writer does: every
// record's data starts on a 64-byte boundary (padding goes into an "FB" extra field), so readers
// can map storages straight from the file. Sizes are classic 32-bit zip fields (no zip64).
//   local header  [sig 0x04034b50, version, flags, method 0, time, date, crc32, size, size,
//                  name length, extra length] (30 bytes), name, extra, data
//   central entry [sig 0x02014b50, ..., local header offset] (46 bytes), name     one per record
//   end record    [sig 0x06054b50, disk, disk, count, count, central size, central offset, 0]

const RECORD_ALIGN = 64;
const PADDING_EXTRA_ID = 0x4246; // "FB", as torch's writer
const ZIP_VERSION = 20;
const UTF8_NAMES_FLAG = 0x0800;
const DOS_DATE_1980_01_01 = 0x21; // fixed timestamp: identical tensors give identical files

export function encodeStoredZip(file: string, records: { name: string; data: Uint8Array }[]): Uint8Array[] {
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
