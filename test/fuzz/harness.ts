/**
 * Property / fuzz harness (issue 9): every generated input either loads or throws a TinybertError
 * subclass; anything else (TypeError, RangeError, a slow input, a huge allocation) fails the property, and fast-check
 * shrinks it to a small counterexample. Runs use a fixed seed and run count, so the printed counts
 * (inputs, loaded, rejected per error class) are the same on every machine.
 */
import fc from 'fast-check';
import { TinybertError } from '../../src/errors.js';
import { concat, utf8 } from '../helpers/bytes.js';

export { concat, utf8 };

/** One seed for every fuzz test; change it locally to explore, keep it fixed in CI. */
export const SEED = 20261202;
/** Slower than this for one small input is treated like a hang. */
const SLOW_MS = 2000;
/** More live array-buffer memory than this after a small input means a reader trusted a declared size. */
const HUGE_BYTES = 1 << 30;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Outcome counts of one reader. */
export class Tally {
  inputs = 0;
  loaded = 0;
  readonly rejected = new Map<string, number>();

  constructor(readonly reader: string) {}

  /** Runs `load` on one input: true when it loaded or threw a TinybertError, else throws naming the input. */
  check(load: () => unknown, input: () => string): true {
    const started = Date.now();
    try {
      load();
      this.loaded++;
    } catch (e) {
      this.reject(e, input);
    } finally {
      this.inputs++;
    }
    this.checkTime(started, input);
    return true;
  }

  async checkAsync(load: () => Promise<unknown>, input: () => string): Promise<true> {
    const started = Date.now();
    try {
      await load();
      this.loaded++;
    } catch (e) {
      this.reject(e, input);
    } finally {
      this.inputs++;
    }
    this.checkTime(started, input);
    return true;
  }

  private reject(e: unknown, input: () => string): void {
    if (!(e instanceof TinybertError)) {
      const what = e instanceof Error ? `${e.constructor.name}: ${e.message}\n${e.stack}` : String(e);
      throw new Error(`${this.reader}: not a TinybertError (${what}) for input ${input()}`);
    }
    if (e.message.includes('\n')) throw new Error(`${this.reader}: multi-line message ${JSON.stringify(e.message)}`);
    this.rejected.set(e.name, (this.rejected.get(e.name) ?? 0) + 1);
  }

  private checkTime(started: number, input: () => string): void {
    const ms = Date.now() - started;
    if (ms > SLOW_MS) throw new Error(`${this.reader}: one input took ${ms} ms (hang?): ${input()}`);
    const bytes = process.memoryUsage().arrayBuffers;
    if (bytes > HUGE_BYTES) throw new Error(`${this.reader}: ${bytes} bytes of array buffers after one input: ${input()}`);
  }

  /** e.g. "safetensors: 3000 inputs, 41 loaded, rejected: CheckpointError 2959". */
  summary(): string {
    const rejected = [...this.rejected].sort().map(([k, n]) => `${k} ${n}`).join(', ') || 'none';
    return `fuzz ${this.reader}: ${this.inputs} inputs, ${this.loaded} loaded, rejected: ${rejected}`;
  }
}

/** Runs a property with the fixed seed and prints the tally. */
export function fuzz<T>(tally: Tally, arb: fc.Arbitrary<T>, numRuns: number, load: (input: T) => unknown, show: (input: T) => string = brief): void {
  fc.assert(fc.property(arb, (input) => tally.check(() => load(input), () => show(input))), { seed: SEED, numRuns });
  console.log(tally.summary());
}

export async function fuzzAsync<T>(
  tally: Tally, arb: fc.Arbitrary<T>, numRuns: number, load: (input: T) => Promise<unknown>, show: (input: T) => string = brief,
): Promise<void> {
  await fc.assert(fc.asyncProperty(arb, (input) => tally.checkAsync(() => load(input), () => show(input))), { seed: SEED, numRuns });
  console.log(tally.summary());
}

function brief(input: unknown): string {
  if (input instanceof Uint8Array) return `${input.length} bytes: ${Buffer.from(input.subarray(0, 96)).toString('hex')}…`;
  try {
    const s = JSON.stringify(input, (_k, v: unknown) => (v instanceof Uint8Array ? `<${v.length} bytes>` : typeof v === 'bigint' ? `${v}n` : v));
    return s === undefined ? String(input) : s.length > 600 ? `${s.slice(0, 600)}…` : s;
  } catch {
    return String(input);
  }
}

/** A byte position, biased towards the first and last 64 bytes, where headers and zip directories live. */
function position(length: number): fc.Arbitrary<number> {
  const last = Math.max(0, length - 1);
  return fc.oneof(fc.nat(last), fc.nat(Math.min(last, 63)), fc.integer({ min: Math.max(0, length - 64), max: last }));
}

/**
 * Malformed variants of a valid file: bit flips, truncation, inserted / deleted / overwritten
 * bytes (0x00, 0xff, 0x7f, 0x80 runs turn sizes and counts into extremes), and random bytes.
 */
export function mutated(valid: Uint8Array): fc.Arbitrary<Uint8Array> {
  const at = position(valid.length);
  return fc.oneof(
    fc.array(fc.tuple(at, fc.nat(7)), { minLength: 1, maxLength: 6 }).map((flips) => {
      const out = valid.slice();
      for (const [p, bit] of flips) out[p]! ^= 1 << bit;
      return out;
    }),
    fc.nat(valid.length).map((n) => valid.slice(0, n)),
    fc.tuple(at, fc.uint8Array({ minLength: 1, maxLength: 16 })).map(([p, bytes]) => concat(valid.subarray(0, p), bytes, valid.subarray(p))),
    fc.tuple(at, fc.integer({ min: 1, max: 32 })).map(([p, n]) => concat(valid.subarray(0, p), valid.subarray(p + n))),
    fc.tuple(at, fc.constantFrom(0x00, 0xff, 0x7f, 0x80, 0x20, 0x7b), fc.integer({ min: 1, max: 8 })).map(([p, byte, n]) => {
      const out = valid.slice();
      out.fill(byte, p, Math.min(valid.length, p + n));
      return out;
    }),
    fc.uint8Array({ maxLength: 256 }),
  );
}

/** Values that break readers which trust a field: wrong types, extremes, huge shapes, odd names. */
export const strangeJson: fc.Arbitrary<Json> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
  fc.constantFrom<Json>(
    -1, 0, 1, 1.5, -0.5, 1e300, -1e300, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 64, '', ' ', '..', '../x', '/etc/passwd', 'F64', 'I64',
    'float16', 'nezha', 'bert', 'gelu', 'classification', null, true, false, [], {}, [0], [-1], [1e9, 1e9], [2 ** 53, 2],
    [[1]], ['a'], { dtype: 'float16' }, '__proto__', 'constructor', 'x'.repeat(300),
  ),
);

/** Every path into a JSON value (the root is []). */
export function jsonPaths(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out = [prefix];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...jsonPaths(x, [...prefix, i])));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...jsonPaths(x, [...prefix, k]));
  return out;
}

/**
 * Structured edits of a valid JSON object: replace any field with a strange value, delete it, or
 * add a key next to it; up to three edits at once.
 */
export function jsonEdited<T>(valid: T, keys: fc.Arbitrary<string> = fc.string({ maxLength: 12 })): fc.Arbitrary<unknown> {
  const paths = jsonPaths(valid);
  const edit = fc.tuple(fc.constantFrom(...paths), fc.constantFrom('replace', 'delete', 'add'), strangeJson, keys);
  return fc.array(edit, { minLength: 1, maxLength: 3 }).map((edits) => {
    let root: unknown = structuredClone(valid);
    for (const [path, op, value, key] of edits) {
      if (path.length === 0) {
        if (op === 'replace') root = value;
        continue;
      }
      let parent: unknown = root;
      for (const p of path.slice(0, -1)) parent = (parent as Record<string | number, unknown> | null)?.[p];
      if (parent === null || typeof parent !== 'object') continue; // an earlier edit removed the path
      const last = path[path.length - 1]!;
      const target = parent as Record<string | number, unknown>;
      if (op === 'replace') target[last] = value;
      else if (op === 'delete') Array.isArray(target) ? target.splice(Number(last), 1) : delete target[last];
      else if (!Array.isArray(target)) Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
    }
    return root;
  });
}

