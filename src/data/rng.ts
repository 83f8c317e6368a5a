/**
 * A small seedable PRNG whose whole state is one 32-bit integer, so it can be written into a
 * checkpoint and restored for a bit-exact resume. Mulberry32 (Tommy Ettinger, public domain
 * algorithm): period 2^32, fast, good enough for shuffling data — not for cryptography.
 */
import { z } from 'zod';

export const rngStateSchema = z.number().int().min(0).max(0xffffffff).describe('mulberry32 state (uint32)');
export type RngState = z.infer<typeof rngStateSchema>;

/** Mixes a seed (and an optional stream number) into a well-spread starting state (splitmix32 finaliser). */
export function seedState(seed: number, stream = 0): RngState {
  let h = (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(stream | 0, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x21f0aaad);
  h = Math.imul(h ^ (h >>> 15), 0x735a2d97);
  return (h ^ (h >>> 15)) >>> 0;
}

export class Rng {
  private s: number;

  constructor(state: RngState) {
    this.s = state >>> 0;
  }

  static fromSeed(seed: number, stream = 0): Rng {
    return new Rng(seedState(seed, stream));
  }

  /** The state to serialise; `new Rng(state)` continues the same sequence. */
  get state(): RngState {
    return this.s;
  }

  /** Next 32-bit unsigned integer. */
  nextUint32(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Fisher–Yates shuffle in place; returns the array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = items[i];
      items[i] = items[j];
      items[j] = t;
    }
    return items;
  }

  /** A shuffled 0..n-1. */
  permutation(n: number): number[] {
    return this.shuffle(Array.from({ length: n }, (_, i) => i));
  }
}
