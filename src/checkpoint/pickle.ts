/**
 * A restricted pickle virtual machine, and a tiny pickle writer, for PyTorch state dicts.
 *
 * A pickle is a program for a stack machine (opcodes documented in CPython's
 * Lib/pickletools.py). Python's own unpickler imports and calls whatever the program names, which
 * is how a malicious checkpoint runs code. This one never executes anything: it only builds plain
 * values (None -> null, bool, int -> number or bigint, float, str, list -> array, tuple -> frozen
 * array, dict -> Map) and hands the few opcodes that would touch Python objects to the caller's
 * hooks (`findGlobal`, `reduce`, `build`, `persistentLoad`), which allow-list what a state dict
 * needs and reject the rest. Opcodes not listed below are rejected by name and offset.
 */
import { CheckpointError } from '../errors.js';

export interface UnpickleHooks {
  /** GLOBAL / STACK_GLOBAL: returns a token for an allowed global, throws for anything else. */
  findGlobal(module: string, name: string): unknown;
  /** REDUCE: applies a callable returned by findGlobal to its argument tuple. */
  reduce(callable: unknown, args: readonly unknown[]): unknown;
  /** BUILD: sets state on an object (e.g. OrderedDict `_metadata`); returns the object. */
  build(obj: unknown, state: unknown): unknown;
  /** BINPERSID: resolves a persistent id (torch's storage references). */
  persistentLoad(pid: unknown): unknown;
}

/** Marks the start of a variable-length group on the stack. */
const MARK = Symbol('mark');

// Opcodes a protocol-2..5 state dict uses (values from pickletools).
const OP = {
  MARK: 0x28, STOP: 0x2e, POP: 0x30, POP_MARK: 0x31, DUP: 0x32,
  BININT: 0x4a, BININT1: 0x4b, BININT2: 0x4d, LONG1: 0x8a, BINFLOAT: 0x47,
  NONE: 0x4e, NEWTRUE: 0x88, NEWFALSE: 0x89,
  BINUNICODE: 0x58, SHORT_BINUNICODE: 0x8c, BINUNICODE8: 0x8d, BINSTRING: 0x54, SHORT_BINSTRING: 0x55,
  EMPTY_TUPLE: 0x29, TUPLE: 0x74, TUPLE1: 0x85, TUPLE2: 0x86, TUPLE3: 0x87,
  EMPTY_LIST: 0x5d, APPEND: 0x61, APPENDS: 0x65, LIST: 0x6c,
  EMPTY_DICT: 0x7d, DICT: 0x64, SETITEM: 0x73, SETITEMS: 0x75,
  GLOBAL: 0x63, STACK_GLOBAL: 0x93, REDUCE: 0x52, BUILD: 0x62, BINPERSID: 0x51,
  BINPUT: 0x71, LONG_BINPUT: 0x72, MEMOIZE: 0x94, BINGET: 0x68, LONG_BINGET: 0x6a,
  PROTO: 0x80, FRAME: 0x95,
} as const;

/** Runs the pickle program in `data`; `where` (e.g. "model.bin: data.pkl") prefixes errors. */
export function unpickle(data: Uint8Array, hooks: UnpickleHooks, where: string): unknown {
  return unpickleFrom(data, 0, hooks, where).value;
}

/**
 * Runs the pickle program that starts at byte `start` of `data` and returns its value and the
 * offset just past its STOP, where the next pickle or raw data of a stream begins (torch's legacy
 * format is several pickles in a row). Error offsets count from the start of `data`.
 */
export function unpickleFrom(data: Uint8Array, start: number, hooks: UnpickleHooks, where: string): { value: unknown; end: number } {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const stack: unknown[] = [];
  const memo = new Map<number, unknown>();
  let pos = start;
  let opStart = start;

  const fail: (reason: string) => never = (reason) => {
    throw new CheckpointError(`${where}: ${reason} (pickle byte ${opStart})`);
  };
  const need = (n: number): number => {
    if (pos + n > data.length) fail('pickle is truncated');
    const at = pos;
    pos += n;
    return at;
  };
  const pop = (): unknown => (stack.length > 0 ? stack.pop() : fail('pickle stack underflow'));
  const top = (): unknown => (stack.length > 0 ? stack[stack.length - 1] : fail('pickle stack underflow'));
  const popMark = (): unknown[] => {
    const i = stack.lastIndexOf(MARK);
    if (i < 0) fail('pickle MARK missing');
    const items = stack.splice(i);
    items.shift();
    return items;
  };
  const text = (n: number): string => {
    const at = need(n);
    try {
      return utf8.decode(data.subarray(at, at + n));
    } catch {
      return fail('pickle string is not valid UTF-8');
    }
  };
  const line = (): string => {
    const end = data.indexOf(0x0a, pos);
    if (end < 0) fail('pickle is truncated');
    // Byte by byte: spreading a long line into fromCharCode overflows the call stack.
    let s = '';
    for (let i = pos; i < end; i++) s += String.fromCharCode(data[i]!);
    pos = end + 1;
    return s;
  };
  const asList = (v: unknown): unknown[] =>
    Array.isArray(v) && !Object.isFrozen(v) ? v : fail('APPEND target is not a list');
  const asDict = (v: unknown): Map<unknown, unknown> => (v instanceof Map ? v : fail('SETITEM target is not a dict'));
  const setItems = (dict: Map<unknown, unknown>, kv: unknown[]): void => {
    if (kv.length % 2 !== 0) fail('SETITEMS with an odd number of items');
    for (let i = 0; i < kv.length; i += 2) {
      const key = kv[i];
      if (typeof key === 'object' && key !== null) fail('dict key is not a string or number');
      dict.set(key, kv[i + 1]);
    }
  };
  const tuple = (items: unknown[]): readonly unknown[] => Object.freeze(items);
  const get = (index: number): unknown => (memo.has(index) ? memo.get(index) : fail(`memo entry ${index} is not defined`));

  for (;;) {
    opStart = pos;
    const op = data[need(1)]!;
    switch (op) {
      case OP.PROTO: need(1); break;
      case OP.FRAME: need(8); break; // frames only group bytes; the data is read linearly anyway
      case OP.STOP: return stack.length === 1 ? { value: stack[0], end: pos } : fail(`pickle ends with ${stack.length} values on the stack`);
      case OP.MARK: stack.push(MARK); break;
      case OP.POP: pop(); break;
      case OP.POP_MARK: popMark(); break;
      case OP.DUP: stack.push(top()); break;
      case OP.BININT: stack.push(view.getInt32(need(4), true)); break;
      case OP.BININT1: stack.push(data[need(1)]); break;
      case OP.BININT2: stack.push(view.getUint16(need(2), true)); break;
      case OP.LONG1: {
        const n = data[need(1)]!;
        const at = need(n);
        stack.push(readLong(data.subarray(at, at + n)));
        break;
      }
      case OP.BINFLOAT: stack.push(view.getFloat64(need(8), false)); break; // big-endian, per pickle spec
      case OP.NONE: stack.push(null); break;
      case OP.NEWTRUE: stack.push(true); break;
      case OP.NEWFALSE: stack.push(false); break;
      case OP.BINUNICODE: stack.push(text(view.getUint32(need(4), true))); break;
      case OP.SHORT_BINUNICODE: stack.push(text(data[need(1)]!)); break;
      // Python 2 `str` (legacy torch files saved under Python 2); torch.load decodes them as UTF-8.
      case OP.SHORT_BINSTRING: stack.push(text(data[need(1)]!)); break;
      case OP.BINSTRING: {
        const n = view.getInt32(need(4), true);
        stack.push(n < 0 ? fail('BINSTRING with a negative length') : text(n));
        break;
      }
      case OP.BINUNICODE8: {
        const n = view.getBigUint64(need(8), true);
        stack.push(n > BigInt(data.length) ? fail('pickle is truncated') : text(Number(n)));
        break;
      }
      case OP.EMPTY_TUPLE: stack.push(tuple([])); break;
      case OP.TUPLE: stack.push(tuple(popMark())); break;
      case OP.TUPLE1: stack.push(tuple([pop()])); break;
      case OP.TUPLE2: { const b = pop(); const a = pop(); stack.push(tuple([a, b])); break; }
      case OP.TUPLE3: { const c = pop(); const b = pop(); const a = pop(); stack.push(tuple([a, b, c])); break; }
      case OP.EMPTY_LIST: stack.push([]); break;
      case OP.LIST: stack.push(popMark()); break;
      case OP.APPEND: { const v = pop(); asList(top()).push(v); break; }
      case OP.APPENDS: { const items = popMark(); const list = asList(top()); for (const v of items) list.push(v); break; }
      case OP.EMPTY_DICT: stack.push(new Map()); break;
      case OP.DICT: { const d = new Map(); setItems(d, popMark()); stack.push(d); break; }
      case OP.SETITEM: { const v = pop(); const k = pop(); setItems(asDict(top()), [k, v]); break; }
      case OP.SETITEMS: { const kv = popMark(); setItems(asDict(top()), kv); break; }
      case OP.GLOBAL: { const module = line(); stack.push(hooks.findGlobal(module, line())); break; }
      case OP.STACK_GLOBAL: {
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings');
        stack.push(hooks.findGlobal(module as string, name as string));
        break;
      }
      case OP.REDUCE: {
        const args = pop();
        const callable = pop();
        if (!Array.isArray(args)) fail('REDUCE arguments are not a tuple');
        stack.push(hooks.reduce(callable, args as unknown[]));
        break;
      }
      case OP.BUILD: { const state = pop(); stack.push(hooks.build(pop(), state)); break; }
      case OP.BINPERSID: stack.push(hooks.persistentLoad(pop())); break;
      case OP.BINPUT: memo.set(data[need(1)]!, top()); break;
      case OP.LONG_BINPUT: memo.set(view.getUint32(need(4), true), top()); break;
      case OP.MEMOIZE: memo.set(memo.size, top()); break;
      case OP.BINGET: stack.push(get(data[need(1)]!)); break;
      case OP.LONG_BINGET: stack.push(get(view.getUint32(need(4), true))); break;
      default: {
        const ch = op >= 0x20 && op < 0x7f ? ` '${String.fromCharCode(op)}'` : '';
        fail(`unsupported pickle opcode 0x${op.toString(16).padStart(2, '0')}${ch}; only plain tensor state dicts can be loaded`);
      }
    }
  }
}

/** LONG1 payload: little-endian two's complement; a number when it is a safe integer. */
function readLong(bytes: Uint8Array): number | bigint {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]!);
  if (bytes.length > 0 && bytes[bytes.length - 1]! >= 0x80) v -= 1n << BigInt(8 * bytes.length);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/**
 * Emits a protocol-2 pickle, opcode by opcode. Globals are memoized (GLOBAL + BINPUT once, then
 * BINGET) as Python's pickler does, which keeps a state dict's pickle small.
 */
export class PickleWriter {
  private readonly parts: number[] = [];
  private readonly globals = new Map<string, number>();

  constructor() {
    this.parts.push(OP.PROTO, 2);
  }

  mark(): this { return this.op(OP.MARK); }
  tuple(): this { return this.op(OP.TUPLE); }
  emptyTuple(): this { return this.op(OP.EMPTY_TUPLE); }
  reduce(): this { return this.op(OP.REDUCE); }
  persid(): this { return this.op(OP.BINPERSID); }
  setItems(): this { return this.op(OP.SETITEMS); }
  bool(v: boolean): this { return this.op(v ? OP.NEWTRUE : OP.NEWFALSE); }
  none(): this { return this.op(OP.NONE); }
  emptyDict(): this { return this.op(OP.EMPTY_DICT); }
  emptyList(): this { return this.op(OP.EMPTY_LIST); }
  appends(): this { return this.op(OP.APPENDS); }

  /** A tuple of the given ints (shapes, strides). */
  intTuple(values: readonly number[]): this {
    if (values.length === 0) return this.emptyTuple();
    this.mark();
    for (const v of values) this.int(v);
    return this.tuple();
  }

  int(v: number): this {
    if (!Number.isSafeInteger(v)) throw new RangeError(`pickle int out of range: ${v}`);
    if (v >= 0 && v < 0x100) return this.op(OP.BININT1, v);
    if (v >= 0 && v < 0x10000) return this.op(OP.BININT2, v & 0xff, v >>> 8);
    if (v >= -0x80000000 && v < 0x80000000) return this.op(OP.BININT, ...le(BigInt(v), 4));
    return this.op(OP.LONG1, 8, ...le(BigInt(v), 8));
  }

  str(s: string): this {
    const bytes = new TextEncoder().encode(s);
    this.op(OP.BINUNICODE, ...le(BigInt(bytes.length), 4));
    for (const b of bytes) this.parts.push(b);
    return this;
  }

  global(module: string, name: string): this {
    const key = `${module}\n${name}\n`;
    const memoIndex = this.globals.get(key);
    if (memoIndex !== undefined) {
      return memoIndex < 0x100 ? this.op(OP.BINGET, memoIndex) : this.op(OP.LONG_BINGET, ...le(BigInt(memoIndex), 4));
    }
    this.op(OP.GLOBAL);
    for (const c of key) this.parts.push(c.charCodeAt(0));
    const index = this.globals.size;
    this.globals.set(key, index);
    return index < 0x100 ? this.op(OP.BINPUT, index) : this.op(OP.LONG_BINPUT, ...le(BigInt(index), 4));
  }

  /** Ends the program and returns its bytes. */
  finish(): Uint8Array {
    this.op(OP.STOP);
    return Uint8Array.from(this.parts);
  }

  private op(...bytes: number[]): this {
    for (const b of bytes) this.parts.push(b);
    return this;
  }
}

/** Little-endian two's-complement bytes of v. */
function le(v: bigint, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(Number(BigInt.asUintN(64, v) >> BigInt(8 * i) & 0xffn));
  return out;
}
