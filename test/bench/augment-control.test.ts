/**
 * bench/augment-control: the frequency control rewrites exactly the characters a copy changed, and
 * its recipe trains with the study's steps and optimiser, so its rows compare with the study's.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { frequencyCopies } from '../../bench/augment-control/frequency.js';
import { frequentChars } from '../../bench/study/corpus.js';
import { loadRecipe } from '../../src/recipe/index.js';
import { ROOT } from '../helpers/shared.js';

describe('frequency control', () => {
  it('ranks Chinese characters by count, ties by code point, nothing else counted', () => {
    expect(frequentChars('好好好的的我aaaa，，，。是', 3)).toEqual(['好', '的', '我']);
  });

  const lines = ['label\ttext_a', '1\t房间很干净', '1\t房子很干净', '1\t房间也不错呢', '0\t服务差', '0\t服务太差了', '0\t眼务差'];
  const originals = new Set(['1\t房间很干净', '0\t服务差']);
  const frequent = ['的', '是', '了'];

  it('keeps originals, changes only the places a copy changed, never to the original character', () => {
    const r = frequencyCopies(lines, originals, frequent, 1);
    expect(r.lines[0]).toBe('label\ttext_a');
    expect(r.lines[1]).toBe('1\t房间很干净');
    expect(r.lines[4]).toBe('0\t服务差');
    expect(r.copies).toBe(4);
    // 服务太差了 is longer than 服务差: kept as it was.
    expect(r.lines[5]).toBe('0\t服务太差了');
    const [label, text] = r.lines[2]!.split('\t');
    expect(label).toBe('1');
    expect([...text!].filter((_, i) => i !== 1).join('')).toBe('房很干净');
    expect(frequent.filter((f) => f !== '间')).toContain(text![1]);
    // 房间也不错呢 differs from 房间很干净 in length (6 against 5): kept.
    expect(r.lines[3]).toBe('1\t房间也不错呢');
    const last = r.lines[6]!.split('\t')[1]!;
    expect(last.slice(1)).toBe('务差');
    expect(frequent.filter((f) => f !== '服')).toContain(last[0]);
    expect(r.replacedCharacters).toBe(2);
    expect(r.keptLengthChanged).toBe(2);
  });

  it('is deterministic for a seed and draws from the whole pool', () => {
    const orig = new Set(['1\t一二三四五六七八九十']);
    const copies = ['label\ttext_a', '1\t一二三四五六七八九十', ...Array.from({ length: 30 }, () => '1\t甲乙丙丁戊己庚辛壬癸')];
    const a = frequencyCopies(copies, orig, frequent, 7);
    expect(frequencyCopies(copies, orig, frequent, 7).lines).toEqual(a.lines);
    expect(frequencyCopies(copies, orig, frequent, 8).lines).not.toEqual(a.lines);
    const used = new Set(a.lines.slice(2).flatMap((l) => [...l.split('\t')[1]!]));
    expect([...used].sort()).toEqual([...frequent].sort());
  });

  it('refuses a file without text_a or starting with a copy', () => {
    expect(() => frequencyCopies(['label\ttext', '1\ta'], new Set(), frequent, 1)).toThrow(/text_a/);
    expect(() => frequencyCopies(['label\ttext_a', '1\t甲'], new Set(), frequent, 1)).toThrow(/before any original/);
  });
});

describe('augment-control recipe', () => {
  it("trains both controls with the study's ChnSentiCorp full-pipeline stages, only the task differs", () => {
    const control = loadRecipe(join(ROOT, 'bench/augment-control/recipe.yaml'));
    const study = loadRecipe(join(ROOT, 'bench/study/chnsenticorp.yaml'));
    const full = (n: string) => study.stages.find((s) => s.name === n)!;
    for (const [stage, like] of [['frequency-ti', 'full-ti'], ['frequency-tp', 'full-tp'], ['real-ti', 'full-ti'], ['real-tp', 'full-tp']] as const) {
      const s = control.stages.find((x) => x.name === stage)!;
      for (const k of ['kind', 'steps', 'batch_size', 'losses', 'optimizer', 'schedule'] as const) expect(s[k], `${stage}.${k}`).toEqual(full(like)[k]);
    }
    expect(control.tasks['chnsenticorp-real']!.max_seq_length).toBe(study.tasks.chnsenticorp!.max_seq_length);
  });
});
