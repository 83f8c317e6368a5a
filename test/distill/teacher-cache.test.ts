import { mkdirSync, mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tf } from '../../src/backend/tf.js';
import { softCrossEntropy } from '../../src/distill/losses.js';
import { distillLosses } from '../../src/distill/objective.js';
import { cachedTeacherOutput, fillTeacherCache, rowKeys, TeacherCache, teacherIdentity } from '../../src/distill/teacher-cache.js';
import { DataError } from '../../src/errors.js';
import type { Batch } from '../../src/model/bert.js';
import { tinyModel } from '../export/tiny.js';

const tempDir = () => join(mkdtempSync(join(tmpdir(), 'tb-cache-')), 'cache');

/** A padded batch of rows of tiny-vocabulary ids (each row [CLS] ... [SEP], padded to the longest, or to `T`). */
function batch(rows: number[][], T = Math.max(...rows.map((r) => r.length))): Batch {
  const pad = (r: number[], v: (x: number) => number) => [...r.map(v), ...new Array<number>(T - r.length).fill(0)];
  return {
    inputIds: tf.tensor2d(rows.map((r) => pad(r, (x) => x)), [rows.length, T], 'int32'),
    tokenTypeIds: tf.tensor2d(rows.map((r) => pad(r, () => 0)), [rows.length, T], 'int32'),
    attentionMask: tf.tensor2d(rows.map((r) => pad(r, () => 1)), [rows.length, T], 'int32'),
  };
}

const BATCHES = [
  batch([[2, 12, 14, 9, 10, 3], [2, 17, 8, 3], [2, 20, 21, 3, 22, 23, 3]]),
  batch([[2, 5, 6, 7, 3], [2, 11, 3]]),
  batch([[2, 9, 10, 11, 12, 13, 14, 15, 16, 3], [2, 25, 26, 27, 3], [2, 18, 19, 3], [2, 28, 29, 3]]),
];

describe('teacher-output cache', () => {
  const teacher = tinyModel(undefined, 7);
  const student = tinyModel(undefined, 11);

  it('gives a loss with cached logits equal to the loss with the teacher run live', async () => {
    const dir = tempDir();
    expect(await fillTeacherCache(teacher, BATCHES, dir)).toEqual({ added: 9, cached: 9 });
    // Read back from disk, not from the filler's memory.
    const cache = TeacherCache.open(dir, teacherIdentity(teacher));
    for (const [i, b] of BATCHES.entries()) {
      const s = student.forward(b).logits!; // [B, K]
      const live = teacher.forward(b, { training: false }).logits!; // [B, K]
      const cached = cache.lookup(b)!; // [B, K]
      expect(cached.shape).toEqual(live.shape);
      for (const opts of [
        { semantics: 'reference' as const, temperature: 1 },
        { semantics: 'masked' as const, temperature: 2, temperatureSquared: true },
      ]) {
        const o = { ...opts, mask: b.attentionMask! };
        const a = softCrossEntropy(s, live, o).dataSync()[0];
        const c = softCrossEntropy(s, cached, o).dataSync()[0];
        expect(c, `batch ${i} ${opts.semantics}`).toBe(a);
      }
      tf.dispose([s, live, cached]);
    }
    cache.close();
  });

  it('gives the task-prediction objective (prediction + hard) from cached logits equal to the live teacher\'s', async () => {
    const dir = tempDir();
    await fillTeacherCache(teacher, BATCHES, dir);
    const cache = TeacherCache.open(dir, teacherIdentity(teacher));
    for (const b of BATCHES) {
      const labels = tf.tensor1d(Array.from({ length: b.inputIds.shape[0] }, (_, i) => i % 2), 'int32');
      const spec = {
        losses: { prediction: 1, hard: 0.5 },
        semantics: 'masked' as const,
        mapping: { attention: [], hidden: [], attentionHeads: 'match' as const },
        temperature: 2,
        labels,
      };
      const s = student.forward(b);
      const live = teacher.forward(b, { training: false });
      const cached = cachedTeacherOutput(cache.lookup(b)!, b);
      const a = distillLosses(live, s, spec);
      const c = distillLosses(cached, s, spec);
      expect(c.total.dataSync()[0]).toBe(a.total.dataSync()[0]);
      expect(c.terms.prediction!.dataSync()[0]).toBe(a.terms.prediction!.dataSync()[0]);
      tf.dispose([labels, s as never, live as never, cached as never, a as never, c as never]);
    }
    cache.close();
  });

  it('finds a row whatever its padding: the key covers the real tokens only', async () => {
    const dir = tempDir();
    await fillTeacherCache(teacher, [batch([[2, 5, 6, 3], [2, 7, 3]])], dir);
    const cache = TeacherCache.open(dir, teacherIdentity(teacher));
    expect(rowKeys(batch([[2, 7, 3]], 12))).toEqual(rowKeys(batch([[2, 7, 3]])));
    const padded = cache.lookup(batch([[2, 7, 3], [2, 5, 6, 3]], 12))!;
    const live = teacher.forward(batch([[2, 7, 3], [2, 5, 6, 3]], 12)).logits!;
    // Same logits up to the rounding of a longer padded forward.
    const diff = tf.max(tf.abs(tf.sub(padded, live))).dataSync()[0];
    expect(diff).toBeLessThan(1e-5);
    cache.close();
  });

  it('returns undefined when any row of the batch is missing', async () => {
    const dir = tempDir();
    await fillTeacherCache(teacher, BATCHES.slice(0, 1), dir);
    const cache = TeacherCache.open(dir, teacherIdentity(teacher));
    expect(cache.lookup(BATCHES[1])).toBeUndefined();
    expect(cache.lookup(batch([[2, 12, 14, 9, 10, 3], [2, 17, 8, 3], [2, 17, 8, 8, 3]]))).toBeUndefined();
    // Token types are part of the input: the same ids as a pair are another input.
    const pair = batch([[2, 17, 8, 3]]);
    pair.tokenTypeIds = tf.tensor2d([[0, 0, 1, 1]], [1, 4], 'int32');
    expect(cache.lookup(pair)).toBeUndefined();
    expect(cache.lookup(batch([[2, 17, 8, 3]]))).toBeDefined();
    cache.close();
  });

  it('refuses a cache made by another teacher, naming both', async () => {
    const dir = tempDir();
    await fillTeacherCache(teacher, BATCHES, dir);
    const other = tinyModel(undefined, 8);
    expect(teacherIdentity(other)).not.toBe(teacherIdentity(teacher));
    const err = (() => {
      try {
        TeacherCache.open(dir, teacherIdentity(other));
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err).toBeInstanceOf(DataError);
    expect(err!.message).toContain(`${dir}: the cached logits are of teacher ${teacherIdentity(teacher).slice(0, 19)}…, not of this teacher (${teacherIdentity(other).slice(0, 19)}…)`);
    await expect(fillTeacherCache(other, BATCHES, dir)).rejects.toThrow(DataError);
    other.dispose();
  });

  it('names the same weights the same teacher, and a changed weight another', () => {
    const twin = tinyModel(undefined, 7);
    expect(teacherIdentity(twin)).toBe(teacherIdentity(teacher));
    const [, first] = [...twin.params][0];
    first.assign(tf.add(first, 1e-6));
    expect(teacherIdentity(twin)).not.toBe(teacherIdentity(teacher));
    twin.dispose();
  });

  it('appends: a second fill runs only the new rows and adds one part', async () => {
    const dir = tempDir();
    expect(await fillTeacherCache(teacher, BATCHES.slice(0, 2), dir)).toEqual({ added: 5, cached: 5 });
    expect(await fillTeacherCache(teacher, BATCHES.slice(1), dir)).toEqual({ added: 4, cached: 9 });
    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'));
    expect(index.parts.map((p: { name: string; entries: number }) => [p.name, p.entries])).toEqual([['part-00000', 5], ['part-00001', 4]]);
    expect(index).toMatchObject({ format: 'tinybert-teacher-cache', version: 1, layout: 'sequence', classes: 2, teacher: teacherIdentity(teacher) });
    expect(await fillTeacherCache(teacher, BATCHES, dir)).toEqual({ added: 0, cached: 9 });
  });

  it('stores token logits for the real tokens and gives 0 at padding', () => {
    const dir = tempDir();
    const cache = TeacherCache.open(dir, teacherIdentity(teacher));
    const b = batch([[2, 5, 6, 3], [2, 7, 3]]);
    const logits = tf.tensor3d(Array.from({ length: 2 * 4 * 3 }, (_, i) => i + 0.5), [2, 4, 3]); // [B, T, K]
    expect(cache.add(b, logits)).toBe(2);
    cache.close();
    const back = TeacherCache.open(dir, teacherIdentity(teacher));
    const got = Array.from(back.lookup(batch([[2, 7, 3], [2, 5, 6, 3]], 5))!.dataSync()); // [B, T, K]
    const want = [...[12.5, 13.5, 14.5, 15.5, 16.5, 17.5, 18.5, 19.5, 20.5], ...new Array(6).fill(0)];
    want.push(...Array.from({ length: 12 }, (_, i) => i + 0.5), 0, 0, 0);
    expect(got).toEqual(want);
    expect(() => back.add(b, tf.zeros([2, 2]))).toThrow(/holds token logits of 3 classes, got \[2,2\]/);
    back.close();
  });

  it('refuses a folder that holds something else, and a damaged part', async () => {
    const foreign = tempDir();
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'notes.txt'), 'mine');
    expect(() => TeacherCache.open(foreign, teacherIdentity(teacher))).toThrow(`${foreign}: not a teacher-output cache (no index.json) and not empty`);
    const dir = tempDir();
    await fillTeacherCache(teacher, BATCHES, dir);
    truncateSync(join(dir, 'part-00000.f32'), 8);
    expect(() => TeacherCache.open(dir, teacherIdentity(teacher))).toThrow(`${dir}: part-00000 is damaged: expected 180 bytes of keys and 72 of values, found 180 and 8`);
  });
});
