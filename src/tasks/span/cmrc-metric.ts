/**
 * EM and F1 by the rules of the official CMRC 2018 scorer (`cmrc2018_evaluate.py`, v5):
 *
 * - Text is lower-cased and stripped.
 * - Segments: each CJK ideograph (U+4E00..U+9FA5) is one segment; runs of other characters are
 *   split into words (below). The listed punctuation is removed before segmenting, so it neither
 *   counts nor separates words ("covid-19" is one word "covid19").
 * - F1 of one gold answer: the longest common contiguous run of segments (the scorer's `find_lcs`
 *   is a longest common substring, not subsequence) over the prediction's and the gold's segment
 *   counts; 0 when nothing is shared. EM: the stripped, lower-cased texts are equal once the listed
 *   punctuation is removed (spaces are not normalised). Both take the maximum over the gold answers.
 * - A question with no prediction scores 0 and still counts. Reported as fractions, not percents.
 *
 * The scorer splits runs with `nltk.word_tokenize`; this toolkit does not ship NLTK, so runs are
 * split by the Treebank rules that matter for CMRC answers: whitespace separates words; `"` ; @ # $
 * % & ? ! and brackets are words of their own; a comma is one too unless a digit follows ("1,000"
 * stays whole); a word-final period is split off ("3.5" stays whole). Contractions ("n't") and
 * sentence splitting are not reproduced.
 */

/**
 * The scorer's punctuation list. Its "……" entry is two characters and so never equals a single
 * character: the scorer does not treat "…" as punctuation, and neither does this list.
 */
export const CMRC_PUNCTUATION: readonly string[] = [
  '-', ':', '_', '*', '^', '/', '\\', '~', '`', '+', '=',
  '，', '。', '：', '？', '！', '“', '”', '；', '’', '《', '》', '……', '·', '、',
  '「', '」', '（', '）', '－', '～', '『', '』',
];
const PUNCTUATION = new Set(CMRC_PUNCTUATION);
const OWN_WORD = new Set([...'";@#$%&?!()[]{}<>']);

function isCjk(ch: string): boolean {
  const cp = ch.codePointAt(0)!;
  return cp >= 0x4e00 && cp <= 0x9fa5;
}

function normalize(text: string): string {
  return text.toLowerCase().trim();
}

/** Words of a run of non-CJK characters, by the Treebank rules listed in the header. */
export function words(run: string): string[] {
  const out: string[] = [];
  for (const piece of run.split(/\s+/)) {
    const chars = [...piece];
    let word = '';
    const flush = () => {
      if (word.length > 1 && word.endsWith('.')) out.push(word.slice(0, -1), '.');
      else if (word) out.push(word);
      word = '';
    };
    chars.forEach((ch, i) => {
      if (OWN_WORD.has(ch) || (ch === ',' && !/\d/.test(chars[i + 1] ?? ''))) {
        flush();
        out.push(ch);
      } else word += ch;
    });
    flush();
  }
  return out;
}

/** The scorer's `mixed_segmentation(text, rm_punc=True)`. */
export function segments(text: string): string[] {
  const out: string[] = [];
  let run = '';
  for (const ch of normalize(text)) {
    if (PUNCTUATION.has(ch)) continue;
    if (isCjk(ch)) {
      out.push(...words(run), ch);
      run = '';
    } else run += ch;
  }
  out.push(...words(run));
  return out;
}

/** The scorer's `remove_punctuation`: lower-cased, stripped, listed punctuation removed. */
export function removePunctuation(text: string): string {
  return [...normalize(text)].filter((ch) => !PUNCTUATION.has(ch)).join('');
}

/** Length of the longest common contiguous run of `a` and `b`. */
export function longestCommonRun(a: string[], b: string[]): number {
  let best = 0;
  let prev = new Array<number>(b.length + 1).fill(0);
  for (let i = 0; i < a.length; i++) {
    const cur = new Array<number>(b.length + 1).fill(0);
    for (let j = 0; j < b.length; j++) {
      if (a[i] === b[j]) best = Math.max(best, (cur[j + 1] = prev[j] + 1));
    }
    prev = cur;
  }
  return best;
}

/** F1 of `prediction` against the best of `golds` (0 for no golds). */
export function f1Score(golds: readonly string[], prediction: string): number {
  const pred = segments(prediction);
  let best = 0;
  for (const gold of golds) {
    const g = segments(gold);
    const common = longestCommonRun(g, pred);
    if (common === 0) continue;
    const precision = common / pred.length;
    const recall = common / g.length;
    best = Math.max(best, (2 * precision * recall) / (precision + recall));
  }
  return best;
}

/** 1 when `prediction` equals one of `golds` after punctuation removal, else 0. */
export function emScore(golds: readonly string[], prediction: string): number {
  const pred = removePunctuation(prediction);
  return golds.some((g) => removePunctuation(g) === pred) ? 1 : 0;
}

export interface SpanScores {
  /** Exact match, a fraction of `count`. */
  em: number;
  /** Mean F1, a fraction of `count`. */
  f1: number;
  /** Questions scored, answered or not. */
  count: number;
  /** Questions with no prediction (each scored 0). */
  unanswered: number;
}

/** The official `evaluate`: every gold question counts; predictions are keyed by question id. */
export function scoreSpans(gold: readonly { id: string; gold: readonly string[] }[], predictions: Readonly<Record<string, string>>): SpanScores {
  let em = 0;
  let f1 = 0;
  let unanswered = 0;
  for (const q of gold) {
    if (!Object.hasOwn(predictions, q.id)) {
      unanswered++;
      continue;
    }
    em += emScore(q.gold, predictions[q.id]);
    f1 += f1Score(q.gold, predictions[q.id]);
  }
  const count = gold.length;
  return { em: count ? em / count : 0, f1: count ? f1 / count : 0, count, unanswered };
}
