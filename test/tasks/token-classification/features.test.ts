import fc from 'fast-check';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ShapeError } from '../../../src/errors.js';
import { BertTokenizer, Vocab } from '../../../src/tokenizer/index.js';
import { IGNORE_INDEX, encodeTokens, mergeWindows, planWindows, readSentences, tokenPieces } from '../../../src/tasks/token-classification/index.js';
import { DATA, describeData } from '../../helpers/shared.js';

// ids: [PAD]=0 [UNK]=1 [CLS]=2 [SEP]=3 张=4 三=5 play=6 ##ing=7 去=8
const tok = new BertTokenizer(Vocab.fromTokens(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '张', '三', 'play', '##ing', '去']));

describe('token-classification features', () => {
  it('puts the tag on the first word piece and IGNORE_INDEX on the other pieces, [CLS], [SEP] and padding', () => {
    const [w] = encodeTokens(tok, ['张', 'playing', '三'], [10, 11, 12], { maxSeqLength: 8, stride: 6 });
    expect(w.inputIds).toEqual([2, 4, 6, 7, 5, 3, 0, 0]);
    expect(w.labelIds).toEqual([IGNORE_INDEX, 10, 11, IGNORE_INDEX, 12, IGNORE_INDEX, IGNORE_INDEX, IGNORE_INDEX]);
    expect(w.attentionMask).toEqual([1, 1, 1, 1, 1, 1, 0, 0]);
    expect(w.firstPiece).toEqual([1, 2, 4]);
    expect(w.tokenMask).toEqual([0, 1, 1, 0, 1, 0, 0, 0]);
  });

  it('marks the first pieces for distillation in a window without labels, whose label ids are all ignored', () => {
    const [w] = encodeTokens(tok, ['张', 'playing'], undefined, { maxSeqLength: 6, stride: 1 });
    expect(w.labelIds).toEqual(new Array(6).fill(IGNORE_INDEX));
    expect(w.tokenMask).toEqual([0, 1, 1, 0, 0, 0]);
  });

  it('gives a whitespace or control character the tokenizer drops one [UNK] position, so it gets a prediction', () => {
    expect(tokenPieces(tok, ['张', '\u3000', ' ', '\u0007', '去'])).toEqual([[4], [1], [1], [1], [8]]);
  });

  it('keeps a character the tokenizer maps to [UNK] as one position', () => {
    const [w] = encodeTokens(tok, ['张', '猫', '三'], [1, 2, 3], { maxSeqLength: 6, stride: 1 });
    expect(w.inputIds.slice(0, 5)).toEqual([2, 4, 1, 5, 3]);
    expect(w.labelIds.slice(0, 5)).toEqual([IGNORE_INDEX, 1, 2, 3, IGNORE_INDEX]);
  });

  it('splits a sentence longer than max_seq_length into overlapping windows instead of truncating it', () => {
    const tokens = ['张', '三', '去', '张', '三', '去', '张'];
    const windows = encodeTokens(tok, tokens, [0, 1, 2, 3, 4, 5, 6], { maxSeqLength: 5, stride: 2 });
    expect(windows.map((w) => [w.start, w.end])).toEqual([[0, 3], [2, 5], [4, 7]]);
    expect(windows[1].labelIds).toEqual([IGNORE_INDEX, 2, 3, 4, IGNORE_INDEX]);
    const merged = mergeWindows(windows, windows.map((w) => w.labelIds), tokens.length);
    expect(merged).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('takes each token from the window where it is most central', () => {
    const windows = [
      { start: 0, end: 4, firstPiece: [1, 2, 3, 4] },
      { start: 2, end: 6, firstPiece: [1, 2, 3, 4] },
    ];
    const outputs = [['-', 'a0', 'a1', 'a2', 'a3'], ['-', 'b2', 'b3', 'b4', 'b5']];
    // token 2 sits at min(2, 1) = 1 in the first window and min(0, 3) = 0 in the second; token 3 at 0 and 1.
    expect(mergeWindows(windows, outputs, 6)).toEqual(['a0', 'a1', 'a2', 'b3', 'b4', 'b5']);
  });

  it('keeps the first pieces of one token longer than the window, which carry its prediction', () => {
    const windows = encodeTokens(tok, ['张', 'playing', '去'], [1, 2, 3], { maxSeqLength: 3, stride: 1 });
    expect(windows.map((w) => [w.start, w.end, w.inputIds])).toEqual([[0, 1, [2, 4, 3]], [1, 2, [2, 6, 3]], [2, 3, [2, 8, 3]]]);
  });

  it('refuses a stride that would leave tokens out and a max_seq_length with no room', () => {
    expect(() => planWindows([1, 1], { maxSeqLength: 8, stride: 7 })).toThrow(ShapeError);
    expect(() => planWindows([1, 1], { maxSeqLength: 8, stride: 7 })).toThrow(/stride 7 must be an integer from 1 to max_seq_length - 2 = 6/);
    expect(() => planWindows([1], { maxSeqLength: 2, stride: 1 })).toThrow(/max_seq_length 2 leaves no room/);
  });

  it('refuses to merge when a token is in no window', () => {
    expect(() => mergeWindows([{ start: 0, end: 1, firstPiece: [1] }], [[0, 0]], 2)).toThrow(/token 1 of 2 is in no window/);
  });

  it('covers every token and merges to one prediction per token, for random sentences and lengths', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 6 }), { maxLength: 80 }),
        fc.integer({ min: 3, max: 24 }),
        fc.integer({ min: 1, max: 22 }),
        (counts, maxSeqLength, s) => {
          const stride = Math.min(s, maxSeqLength - 2);
          const windows = planWindows(counts, { maxSeqLength, stride });
          expect(windows[0].start).toBe(0);
          expect(windows.at(-1)!.end).toBe(counts.length);
          for (let i = 1; i < windows.length; i++) {
            expect(windows[i].start).toBeGreaterThan(windows[i - 1].start);
            expect(windows[i].start).toBeLessThanOrEqual(windows[i - 1].end);
          }
          // Pieces per window fit (a token longer than the window is cut to it).
          for (const w of windows) {
            const used = counts.slice(w.start, w.end).reduce((n, c) => n + Math.min(c, maxSeqLength - 2), 0);
            expect(used).toBeLessThanOrEqual(maxSeqLength - 2);
          }
          // Each window predicts `window:token` for its tokens; the merge must return one per token, from a window holding it.
          const withPieces = windows.map((w) => ({ ...w, firstPiece: counts.slice(w.start, w.end).map((_, k) => k + 1) }));
          const outputs = withPieces.map((w, i) => ['cls', ...w.firstPiece.map((_, k) => `${i}:${w.start + k}`)]);
          const merged = mergeWindows(withPieces, outputs, counts.length);
          expect(merged).toHaveLength(counts.length);
          merged.forEach((m, t) => {
            const [wi, token] = m.split(':').map(Number);
            expect(token).toBe(t);
            expect(windows[wi].start <= t && t < windows[wi].end).toBe(true);
          });
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describeData('features of the real NER files', () => {
  const zh = () => BertTokenizer.fromVocabFile(join(DATA, 'vocab', 'zh_vocab_21128.txt'));
  const windowsOf = (file: string, format: 'conll' | 'jsonl') => {
    const tok = zh();
    const sentences = readSentences(join(DATA, file), format);
    let windows = 0;
    let long = 0;
    let dropped = 0;
    for (const s of sentences) {
      const ids = s.tags.map((_, i) => i);
      const ws = encodeTokens(tok, s.tokens, ids, { maxSeqLength: 128, stride: 64 });
      for (const w of ws) {
        w.firstPiece.forEach((p, k) => {
          if (tok.tokenize(s.tokens[w.start + k]).length > 0) return;
          expect(w.inputIds[p]).toBe(tok.unkId);
          if (w === ws.find((x) => x.start <= w.start + k && w.start + k < x.end)) dropped++;
        });
      }
      windows += ws.length;
      if (ws.length > 1) long++;
      expect(mergeWindows(ws, ws.map((w) => w.labelIds), s.tokens.length)).toEqual(ids);
    }
    return { sentences: sentences.length, long, windows, dropped };
  };

  it('gives every token of pd_ner dev exactly one labelled position at max_seq_length 128', () => {
    // 41 sentences are longer than 126 pieces; the 1,061 curly quotes, dashes and rare characters are [UNK].
    expect(windowsOf('pd_ner/conll_format/example.dev', 'conll')).toEqual({ sentences: 2318, long: 41, windows: 2390, dropped: 0 });
  });

  it('gives each of the 46 U+FFFD characters of ner_weibo dev, which the tokenizer drops, its own position', () => {
    expect(windowsOf('ner_weibo/dev.json', 'jsonl')).toEqual({ sentences: 270, long: 23, windows: 293, dropped: 46 });
  });
});
