import { describe, expect, it } from 'vitest';
import { assertFiniteWeights, describeNonFinite, nonFiniteTensors } from '../../src/checkpoint/finite.js';
import { CheckpointError } from '../../src/errors.js';

const tensor = (values: number[]) => ({ dataSync: () => Float32Array.from(values) });

describe('nonFiniteTensors', () => {
  it('counts NaN and ±Inf per tensor and skips finite ones', () => {
    const bad = nonFiniteTensors([
      ['a', tensor([1, 2, 3])],
      ['b', tensor([NaN, 1, Infinity, -Infinity, NaN])],
      ['c', Float32Array.from([0, NaN])],
    ]);
    expect(bad).toEqual([
      { name: 'b', size: 5, nan: 2, inf: 2 },
      { name: 'c', size: 2, nan: 1, inf: 0 },
    ]);
    expect(describeNonFinite(bad)).toBe('b has 2 NaN + 2 Inf of 5 values (2 tensors, 3 NaN + 2 Inf in all)');
  });

  it('refuses weights containing NaN, naming the tensor and how many values', () => {
    expect(() => assertFiniteWeights('model', [['ok', tensor([1])], ['classifier.weight', tensor([1, NaN, NaN])]])).toThrow(
      new CheckpointError('model: weights are not finite: classifier.weight has 2 NaN of 3 values; its outputs would be meaningless (did training diverge?)'),
    );
    expect(() => assertFiniteWeights('model', [['ok', tensor([1, -0, 3e38])]])).not.toThrow();
  });
});
