import { describe, expect, it } from 'vitest';
import { PickleWriter, unpickle, type UnpickleHooks } from '../../src/checkpoint/pickle.js';
import { expectCheckpointError } from './fixtures.js';

const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((b) => parseInt(b, 16)));

/** Hooks that refuse everything: plain data needs none of them. */
const refuseAll: UnpickleHooks = {
  findGlobal: (m, n) => { throw new Error(`findGlobal ${m}.${n}`); },
  reduce: () => { throw new Error('reduce'); },
  build: () => { throw new Error('build'); },
  persistentLoad: () => { throw new Error('persistentLoad'); },
};

// pickle.dumps({'a': [1, -2, 300, 70000, -(2**40), 2**70, 1.5, None, True, False, 'héllo', (1,), (1,2), (1,2,3), ()],
//               's': shared, 't': shared}, protocol=P) with shared = [7], by CPython 3.11.
const PROTOCOL_2 = '80027d71002858010000006171015d7102284b014afeffffff4d2c014a701101008a060000000000ff8a09000000000000000040473ff80000000000004e8889580600000068c3a96c6c6f71034b018571044b014b028671054b014b024b03877106296558010000007371075d71084b076158010000007471096808752e';
const PROTOCOL_4 = '80049566000000000000007d94288c0161945d94284b014afeffffff4d2c014a701101008a060000000000ff8a09000000000000000040473ff80000000000004e88898c0668c3a96c6c6f944b0185944b014b0286944b014b024b03879429658c0173945d944b07618c0174946808752e';

describe('unpickle: plain values', () => {
  for (const [protocol, bytes] of [['2', PROTOCOL_2], ['4 (FRAME, MEMOIZE, SHORT_BINUNICODE)', PROTOCOL_4]] as const) {
    it(`decodes CPython's protocol ${protocol}`, () => {
      const v = unpickle(hex(bytes), refuseAll, 'test') as Map<string, unknown>;
      expect([...v.keys()]).toEqual(['a', 's', 't']);
      expect(v.get('a')).toEqual([1, -2, 300, 70000, -(2 ** 40), 2n ** 70n, 1.5, null, true, false, 'héllo', [1], [1, 2], [1, 2, 3], []]);
      expect(Object.isFrozen((v.get('a') as unknown[])[12])).toBe(true); // tuples are frozen arrays
      expect(v.get('s')).toBe(v.get('t')); // memo keeps shared references shared
    });
  }
});

describe('unpickle: rejections name the reason and offset', () => {
  it('unsupported opcodes, e.g. NEWOBJ and INST', () => {
    expectCheckpointError(() => unpickle(hex('800281'), refuseAll, 'f.bin: data.pkl'), 'f.bin: data.pkl', 'unsupported pickle opcode 0x81', 'pickle byte 2');
    expectCheckpointError(() => unpickle(hex('800269'), refuseAll, 'x'), "opcode 0x69 'i'");
  });

  it('truncated programs', () => {
    const full = hex(PROTOCOL_2);
    for (const cut of [0, 1, 3, 20, full.length - 1]) {
      expectCheckpointError(() => unpickle(full.subarray(0, cut), refuseAll, 'x'), /truncated|stack underflow/);
    }
  });

  it('stack underflow, missing MARK, undefined memo, leftover values', () => {
    expectCheckpointError(() => unpickle(hex('800285'), refuseAll, 'x'), 'stack underflow');
    expectCheckpointError(() => unpickle(hex('80024b0174'), refuseAll, 'x'), 'MARK missing');
    expectCheckpointError(() => unpickle(hex('80026805'), refuseAll, 'x'), 'memo entry 5 is not defined');
    expectCheckpointError(() => unpickle(hex('80024b014b022e'), refuseAll, 'x'), 'ends with 2 values on the stack');
  });

  it('hands globals to the hook, which decides', () => {
    // cos\nsystem\n: GLOBAL 'os system'
    const seen: string[] = [];
    const hooks = { ...refuseAll, findGlobal: (m: string, n: string) => (seen.push(`${m}.${n}`), 'token') };
    expect(unpickle(hex('8002636f730a73797374656d0a2e'), hooks, 'x')).toBe('token');
    expect(seen).toEqual(['os.system']);
  });
});

describe('PickleWriter', () => {
  it('writes what unpickle reads back, memoizing globals', () => {
    const w = new PickleWriter();
    w.mark().int(0).int(255).int(256).int(65535).int(65536).int(-1).int(2 ** 31).int(-(2 ** 40)).str('ü').bool(true).bool(false);
    w.intTuple([]).intTuple([3, 4]).global('m', 'g').global('m', 'g').tuple();
    const globals: string[] = [];
    const v = unpickle(w.finish(), { ...refuseAll, findGlobal: (m, n) => (globals.push(n), `${m}.${n}`) }, 'x');
    expect(v).toEqual([0, 255, 256, 65535, 65536, -1, 2 ** 31, -(2 ** 40), 'ü', true, false, [], [3, 4], 'm.g', 'm.g']);
    expect(globals).toEqual(['g']); // the second reference is a memo BINGET
  });
});
