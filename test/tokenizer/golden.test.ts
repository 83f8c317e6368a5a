/**
 * The reference tokenizer's own outputs (TinyBERT `transformer/tokenization.py`, Python 3.11,
 * Unicode 14), token for token and id for id; and task_distill.py's pair features.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { BertTokenizer } from '../../src/tokenizer/index.js';
import { describeGolden, GOLDEN } from '../helpers/shared.js';

interface TokenizerLine {
  text: string;
  tokens: string[];
  ids: number[];
  source: string;
}

interface PairLine {
  source: string;
  text_a: string;
  text_b: string;
  max_seq_length: number;
  input_ids: number[];
  segment_ids: number[];
  input_mask: number[];
  seq_length: number;
}

function readJsonl<T>(name: string): T[] {
  return readFileSync(join(GOLDEN, name), 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as T);
}

/** First index where two arrays differ, or -1. */
function firstDiff<T>(a: T[], b: T[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) return i;
  return -1;
}

describeGolden('tokenizer golden (reference BertTokenizer, do_lower_case=True)', () => {
  let tok: BertTokenizer;
  beforeAll(() => {
    tok = BertTokenizer.fromVocabFile(join(GOLDEN, 'nezha_teacher', 'vocab.txt'));
  });

  it('reproduces every line of tokenizer_golden.jsonl (tokens and ids)', () => {
    const lines = readJsonl<TokenizerLine>('tokenizer_golden.jsonl');
    expect(lines.length).toBe(1954);
    const failures: string[] = [];
    for (const line of lines) {
      const tokens = tok.tokenize(line.text);
      const ids = tok.convertTokensToIds(tokens);
      const at = firstDiff(tokens, line.tokens);
      if (at >= 0) {
        failures.push(
          `${line.source}: token ${at} is ${JSON.stringify(tokens[at])}, expected ${JSON.stringify(line.tokens[at])}` +
            ` (context ${JSON.stringify(line.tokens.slice(Math.max(0, at - 3), at + 3))}; text ${JSON.stringify(line.text.slice(0, 80))})`,
        );
      } else if (firstDiff(ids, line.ids) >= 0) {
        const k = firstDiff(ids, line.ids);
        failures.push(`${line.source}: id ${k} (${JSON.stringify(tokens[k])}) is ${ids[k]}, expected ${line.ids[k]}`);
      }
    }
    expect(failures, `${failures.length} of ${lines.length} lines differ; first: ${failures[0]}`).toEqual([]);
  });

  it('offsets of every golden line are ordered spans whose text tokenizes to the token', () => {
    const lines = readJsonl<TokenizerLine>('tokenizer_golden.jsonl');
    const failures: string[] = [];
    for (const line of lines) {
      const { tokens, offsets } = tok.tokenizeWithOffsets(line.text);
      offsets.forEach(([s, e], i) => {
        const where = `${line.source} token ${i} ${JSON.stringify(tokens[i])} at [${s}, ${e})`;
        if (!(s < e && e <= line.text.length)) failures.push(`${where}: empty or out of range`);
        else if (i > 0 && s < offsets[i - 1][0]) failures.push(`${where}: starts before the previous token`);
        else if (tokens[i] !== '[UNK]' && !tokens[i].startsWith('##')) {
          const again = tok.tokenize(line.text.slice(s, e))[0];
          if (again !== tokens[i]) failures.push(`${where}: its source text tokenizes to ${JSON.stringify(again)}`);
        }
      });
    }
    expect(failures, `${failures.length} bad offsets; first: ${failures[0]}`).toEqual([]);
  });

  it('reproduces every line of pair_features_golden.jsonl with encode(a, b, maxLength 32, padded)', () => {
    const lines = readJsonl<PairLine>('pair_features_golden.jsonl');
    expect(lines.length).toBe(200);
    for (const line of lines) {
      const enc = tok.encode(line.text_a, line.text_b, { maxLength: line.max_seq_length, padToMaxLength: true });
      expect(enc.inputIds, `${line.source} input_ids`).toEqual(line.input_ids);
      expect(enc.tokenTypeIds, `${line.source} segment_ids`).toEqual(line.segment_ids);
      expect(enc.attentionMask, `${line.source} input_mask`).toEqual(line.input_mask);
      expect(enc.length, `${line.source} length`).toBe(line.input_mask.reduce((s, m) => s + m, 0));
    }
  });
});
