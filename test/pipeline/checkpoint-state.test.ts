/** A resumed checkpoint's trainer.json and optimizer metadata are validated, not trusted. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeSafetensors } from '../../src/checkpoint/safetensors.js';
import { CheckpointError } from '../../src/errors.js';
import { readOptimizerState, readTrainerState } from '../../src/pipeline/checkpoint.js';

const state = { stage: 'gd', step: 3, totalSteps: 6, data: { epoch: 0 }, examplesSeen: 24, seconds: 1.5 };

function dirWith(file: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tb-ckpt-'));
  writeFileSync(join(dir, file), text);
  return dir;
}

function optimizerDir(metadata: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tb-ckpt-'));
  writeSafetensors(join(dir, 'optimizer.safetensors'), new Map([['m/w', { shape: [1], data: new Float32Array([0]), dtype: 'F32' as const }]]), { metadata });
  return dir;
}

describe('checkpoint state on resume', () => {
  it('reads a good trainer.json', () => {
    expect(readTrainerState(dirWith('trainer.json', JSON.stringify(state)))).toEqual(state);
  });

  it('refuses a trainer.json whose step is not a number, naming the file and field', () => {
    const dir = dirWith('trainer.json', JSON.stringify({ ...state, step: 'three' }));
    expect(() => readTrainerState(dir)).toThrow(new CheckpointError(`${join(dir, 'trainer.json')}: step: expected number, saw string "three"`));
  });

  it('reads good optimizer metadata', () => {
    const s = readOptimizerState(optimizerDir({ name: 'bertadam', step: '3', paramSteps: '{"w":3}' }));
    expect([s.name, s.step, s.paramSteps]).toEqual(['bertadam', 3, { w: 3 }]);
  });

  it('refuses optimizer metadata with a non-integer step or unreadable paramSteps', () => {
    const a = optimizerDir({ name: 'bertadam', step: 'x' });
    expect(() => readOptimizerState(a)).toThrow(new CheckpointError(`${join(a, 'optimizer.safetensors')}: __metadata__.step: expected a non-negative integer, saw string "x"`));
    const b = optimizerDir({ name: 'bertadam', step: '3', paramSteps: '{w' });
    expect(() => readOptimizerState(b)).toThrow(
      new CheckpointError(`${join(b, 'optimizer.safetensors')}: __metadata__.paramSteps: expected a JSON object of parameter step counts, saw "{w"`),
    );
  });
});
