/**
 * Hand-built legacy torch.save streams (see src/checkpoint/torch-legacy.ts for the layout), so the
 * framing tests and the fuzz tests need no python: magic, protocol and sys_info pickles, a state
 * dict pickle with torch's 6-element persistent ids, the storage key list, counted raw storages.
 */
import { PickleWriter } from '../../src/checkpoint/pickle.js';
import { concat } from './fixtures.js';

/** The first pickle of every legacy file: PROTO 2, LONG1 0x1950a86a20f9469cfc6c, STOP. */
export const MAGIC_PICKLE = Uint8Array.of(0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e);

export interface LegacyView {
  name: string;
  storage: string;
  storageClass?: string;
  numel: number;
  /** Legacy storage view: (view key, first element, elements) of the root storage. */
  storageView?: [string, number, number];
  offset?: number;
  size: number[];
  stride: number[];
}

/** The state dict pickle as torch's legacy writer emits it: 6-element persistent ids. */
export function legacyStatePickle(views: LegacyView[], global?: [string, string]): Uint8Array {
  const p = new PickleWriter();
  p.global('collections', 'OrderedDict').emptyTuple().reduce().mark();
  for (const v of views) {
    p.str(v.name).global('torch._utils', '_rebuild_tensor_v2').mark();
    p.mark().str('storage').global('torch', v.storageClass ?? 'FloatStorage').str(v.storage).str('cpu').int(v.numel);
    if (v.storageView) p.mark().str(v.storageView[0]).int(v.storageView[1]).int(v.storageView[2]).tuple();
    else p.none();
    p.tuple().persid();
    p.int(v.offset ?? 0).intTuple(v.size).intTuple(v.stride).bool(false);
    p.global('collections', 'OrderedDict').emptyTuple().reduce().tuple().reduce();
  }
  if (global) p.str('evil').global(...global).emptyTuple().reduce();
  return p.setItems().finish();
}

export interface StreamParts {
  state: Uint8Array;
  keys: string[];
  /** Per listed key: the declared element count and the raw bytes that follow it. */
  storages: [bigint, Uint8Array][];
  protocol?: number;
  sysInfo?: Uint8Array;
  /** The storage key list pickle, instead of one written from `keys`. */
  keyPickle?: Uint8Array;
}

export const countBytes = (n: bigint) => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, n, true);
  return b;
};
export const sysInfoPickle = (littleEndian: boolean) =>
  new PickleWriter().emptyDict().mark().str('protocol_version').int(1001).str('little_endian').bool(littleEndian).setItems().finish();

export function legacyStream(parts: StreamParts): Uint8Array {
  const keyList = new PickleWriter().emptyList().mark();
  for (const k of parts.keys) keyList.str(k);
  return concat(
    MAGIC_PICKLE,
    new PickleWriter().int(parts.protocol ?? 1001).finish(),
    parts.sysInfo ?? sysInfoPickle(true),
    parts.state,
    parts.keyPickle ?? keyList.appends().finish(),
    ...parts.storages.flatMap(([count, data]) => [countBytes(count), data]),
  );
}
