/**
 * Inputs the fuzz tests (this folder) found that threw something other than a TinybertError, or
 * allocated without bound, each pinned as a named case.
 */
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { PickleWriter } from '../../src/checkpoint/pickle.js';
import { decodePytorchBin } from '../../src/checkpoint/pytorch.js';
import { CheckpointError } from '../../src/errors.js';
import { concat, utf8 } from './harness.js';

const zipWith = (pkl: Uint8Array, storage = new Uint8Array(64)) =>
  zipSync({ 'archive/data.pkl': pkl, 'archive/data/0': storage }, { level: 0 });

function expectRejected(bytes: Uint8Array, fragment: string): void {
  let error: unknown;
  try {
    decodePytorchBin(bytes, 'fuzz.bin');
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(CheckpointError);
  expect((error as Error).message).toContain(fragment);
}

describe('pickle regressions found by fuzzing', () => {
  it('APPENDS of 200k items does not overflow the call stack', () => {
    // PROTO 2, EMPTY_LIST, MARK, 200k x NONE, APPENDS, STOP: a list, not a state dict.
    const pkl = concat(Uint8Array.of(0x80, 0x02, 0x5d, 0x28), new Uint8Array(200_000).fill(0x4e), Uint8Array.of(0x65, 0x2e));
    expectRejected(zipWith(pkl), 'data.pkl does not hold a state dict');
  });

  it('a GLOBAL line of 200k characters does not overflow the call stack', () => {
    const pkl = concat(Uint8Array.of(0x80, 0x02, 0x63), utf8(`${'x'.repeat(200_000)}\nname\n`), Uint8Array.of(0x2e));
    expectRejected(zipWith(pkl), 'forbidden global');
  });

  it('a zero-stride view of 2^31 elements is refused before allocating 8 GB', () => {
    const p = new PickleWriter();
    p.global('collections', 'OrderedDict').emptyTuple().reduce().mark();
    p.str('w').global('torch._utils', '_rebuild_tensor_v2').mark();
    p.mark().str('storage').global('torch', 'FloatStorage').str('0').str('cpu').int(16).tuple().persid();
    p.int(0).intTuple([2 ** 31]).intTuple([0]).bool(false);
    p.global('collections', 'OrderedDict').emptyTuple().reduce().tuple().reduce();
    expectRejected(zipWith(p.setItems().finish()), 'tensor "w" (shape [2147483648], stride [0]) repeats its 16-element storage into 2147483648 elements');
  });
});
