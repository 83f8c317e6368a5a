/**
 * Replacement candidates from a masked-LM head, batched. As in the reference
 * (TinyBERT data_augmentation.py) a row is `[CLS] masked text [SEP] original text [SEP]`: the
 * original in segment B keeps the context that masking removes, which is also what lets one row
 * mask several units at once. A row masks `masksPerRow` units of one text, spread evenly (row r of R
 * masks units r, r + R, r + 2R, ...), a whole word all its characters; rows of many texts share a
 * forward pass. masksPerRow 1 with batch size 1 is the reference's one pass per word. Given the units
 * wanted of each text (those some augmented copy replaces), only they are masked: the others get no
 * candidates and cost no rows.
 *
 * A text longer than a row allows is cut into windows of W = (maxSeqLength - 3) / 2 pieces,
 * overlapping by MAX_UNIT_PIECES so every unit lies wholly in the window it starts in.
 *
 * Candidates of one position: the k highest logits among vocabulary tokens of the same script
 * (a CJK character for a CJK character, a Latin word for a Latin word; never a special token or a
 * `##` piece), the original excluded, ties to the lower id. A whole word of n characters takes
 * each position's top k (the original character allowed) and keeps the k best combinations by the
 * sum of log-probabilities (a beam of width k over the positions in order, ties to the earlier
 * combination), the original word excluded.
 */
import { tf } from '../backend/tf.js';
import type { BertModel } from '../model/bert.js';
import { applyHead } from '../model/heads.js';
import type { BertTokenizer } from '../tokenizer/bert-tokenizer.js';
import { isChineseChar } from '../tokenizer/chars.js';
import { MAX_UNIT_PIECES, type Segmented } from './units.js';

export interface MaskedLmOptions {
  /** Candidates per unit (k). */
  candidates: number;
  /** Units masked together in one row. */
  masksPerRow: number;
  /** Rows per forward pass. */
  batchSize: number;
  /** Tokens per row including [CLS] and two [SEP]. */
  maxSeqLength: number;
}

/** What the candidate search cost so far. */
export interface MaskedLmStats {
  forwardPasses: number;
  rows: number;
  maskedPositions: number;
}

interface Row {
  ids: number[];
  /** Length of segment A with [CLS] and its [SEP]: token types are 0 there, 1 after. */
  lengthA: number;
  /** Per masked position: which text, unit and character of the unit, and where in the row. */
  masks: { text: number; unit: number; char: number; at: number }[];
}

const NONE = 0;
const CJK = 1;
const WORD = 2;

export class MaskedLmCandidates {
  readonly stats: MaskedLmStats = { forwardPasses: 0, rows: 0, maskedPositions: 0 };
  private readonly script: Uint8Array;
  /** Vocabulary ids of each script, ascending. */
  private readonly idsOf: Int32Array[];
  private readonly maskId: number;
  private readonly padId: number;

  constructor(
    private readonly model: BertModel,
    private readonly tokenizer: BertTokenizer,
    private readonly opts: MaskedLmOptions,
  ) {
    const V = model.config.vocabSize;
    this.script = new Uint8Array(V);
    for (let id = 0; id < V; id++) this.script[id] = scriptOf(tokenizer.vocab.token(id));
    const ids = Array.from({ length: V }, (_, id) => id);
    this.idsOf = [NONE, CJK, WORD].map((s) => Int32Array.from(ids.filter((id) => this.script[id] === s)));
    this.maskId = tokenizer.maskId;
    this.padId = tokenizer.padId;
  }

  /** Candidates of every masked-LM unit, or of the `wanted` ones: out[text][unit] (empty for the others and for units of another source). */
  run(texts: Segmented[], wanted?: readonly ReadonlySet<number>[]): string[][][] {
    const rows = this.rows(texts, wanted);
    // Per text, unit, character: [ids, log-probabilities] of the position's best tokens.
    const found: { ids: number[]; lp: number[] }[][][] = texts.map((t) => t.units.map((u) => u.positions.map(() => ({ ids: [], lp: [] }))));
    // Longest rows first: batches of similar length pad little.
    const order = rows.map((_, i) => i).sort((a, b) => rows[b]!.ids.length - rows[a]!.ids.length || a - b);
    for (let s = 0; s < order.length; s += this.opts.batchSize) {
      const batch = order.slice(s, s + this.opts.batchSize).map((i) => rows[i]!);
      const logits = this.forward(batch); // [M, V]
      const V = this.model.config.vocabSize;
      let m = 0;
      for (const row of batch) {
        for (const mask of row.masks) {
          const unit = texts[mask.text]!.units[mask.unit]!;
          const original = texts[mask.text]!.ids[unit.positions[mask.char]!]!;
          const whole = unit.positions.length > 1;
          const slot = found[mask.text]![mask.unit]![mask.char]!;
          const at = m++ * V;
          const pool = this.idsOf[this.script[original]!]!;
          slot.ids = topK(logits, at, pool, this.opts.candidates + (whole ? 0 : 1), whole ? -1 : original).filter((id) => id !== original).slice(0, this.opts.candidates);
          if (whole) {
            const lse = logSumExp(logits, at, V);
            slot.lp = slot.ids.map((id) => logits[at + id]! - lse);
          }
        }
      }
    }
    return texts.map((t, i) =>
      t.units.map((u, j) => {
        if (u.source !== 'mlm' || (wanted && !wanted[i]!.has(j))) return [];
        const slots = found[i]![j]!;
        if (u.positions.length === 1) return this.tokenizer.convertIdsToTokens(slots[0]!.ids);
        const original = u.positions.map((p) => t.ids[p]!);
        return bestCombinations(slots, this.opts.candidates, original).map((ids) => this.tokenizer.convertIdsToTokens(ids).join(''));
      }),
    );
  }

  private rows(texts: Segmented[], wanted: readonly ReadonlySet<number>[] | undefined): Row[] {
    const W = Math.floor((this.opts.maxSeqLength - 3) / 2);
    const stride = Math.max(1, W - MAX_UNIT_PIECES);
    const rows: Row[] = [];
    texts.forEach((t, ti) => {
      const n = t.ids.length;
      const units = t.units.map((u, ui) => ({ u, ui })).filter(({ u, ui }) => u.source === 'mlm' && (!wanted || wanted[ti]!.has(ui)));
      for (let start = 0; start < n; start += n <= W ? n : stride) {
        const end = Math.min(n, start + W);
        const home = units.filter(({ u }) => u.positions[0]! >= start && (n <= W || u.positions[0]! < start + stride) && u.positions.at(-1)! < end);
        const R = Math.ceil(home.length / this.opts.masksPerRow);
        const window = t.ids.slice(start, end);
        for (let r = 0; r < R; r++) {
          const a = [this.tokenizer.clsId, ...window, this.tokenizer.sepId];
          const masks: Row['masks'] = [];
          for (let j = r; j < home.length; j += R) {
            const { u, ui } = home[j]!;
            u.positions.forEach((p, char) => {
              a[1 + p - start] = this.maskId;
              masks.push({ text: ti, unit: ui, char, at: 1 + p - start });
            });
          }
          rows.push({ ids: [...a, ...window, this.tokenizer.sepId], lengthA: a.length, masks });
        }
        if (n <= W) break;
      }
    });
    return rows;
  }

  /** Masked-LM logits of every masked position of the batch, in row order: [M, V] flat. */
  private forward(batch: Row[]): Float32Array {
    const T = Math.max(...batch.map((r) => r.ids.length));
    const B = batch.length;
    const ids = new Int32Array(B * T).fill(this.padId);
    const types = new Int32Array(B * T);
    const mask = new Int32Array(B * T);
    const flat: number[] = [];
    batch.forEach((r, b) => {
      ids.set(r.ids, b * T);
      for (let t = 0; t < r.ids.length; t++) {
        types[b * T + t] = t < r.lengthA ? 0 : 1;
        mask[b * T + t] = 1;
      }
      for (const m of r.masks) flat.push(b * T + m.at);
    });
    this.stats.forwardPasses++;
    this.stats.rows += B;
    this.stats.maskedPositions += flat.length;
    const c = this.model.config;
    // tidy returns the tensor, not its values: tidy walks a returned typed array element by element.
    const logits = tf.tidy(() => {
      const out = this.model.forward(
        { inputIds: tf.tensor2d(ids, [B, T], 'int32'), tokenTypeIds: tf.tensor2d(types, [B, T], 'int32'), attentionMask: tf.tensor2d(mask, [B, T], 'int32') },
        { skipHead: true },
      );
      const hidden = out.hiddenStates[out.hiddenStates.length - 1]!; // [B, T, C]
      const x = tf.gather(hidden.reshape([B * T, c.hiddenSize]), tf.tensor1d(flat, 'int32')); // [M, C]
      // Only masked positions go through the head: [M, V] instead of [B, T, V].
      const head = applyHead(c, this.model.params, x.reshape([1, flat.length, c.hiddenSize]), out.pooledOutput ?? x, (t) => t);
      return head.logits!; // [1, M, V]
    });
    try {
      return logits.dataSync() as Float32Array;
    } finally {
      logits.dispose();
    }
  }
}

/** Whether a vocabulary token is a single Chinese character (the pool a CJK position draws from). */
export function isChineseCharToken(token: string): boolean {
  return scriptOf(token) === CJK;
}

/** A token's script class; `<S>`-style markers of Chinese vocabularies are no words. */
function scriptOf(token: string): number {
  if (token.startsWith('##') || /^\[.*\]$/.test(token) || token.startsWith('<')) return NONE;
  const cps = [...token];
  if (cps.length === 1 && isChineseChar(cps[0]!.codePointAt(0)!)) return CJK;
  if (/\p{L}/u.test(token) && !cps.some((ch) => isChineseChar(ch.codePointAt(0)!))) return WORD;
  return NONE;
}

/** The `k` ids of `pool` with the highest logits at row offset `at`, best first, ties to the lower id (`skip`: an id left out, -1 for none). */
export function topK(logits: Float32Array, at: number, pool: Int32Array, k: number, skip: number): number[] {
  const best: number[] = [];
  const score: number[] = [];
  for (const id of pool) {
    if (id === skip) continue;
    const v = logits[at + id]!;
    if (best.length === k && v <= score[k - 1]!) continue;
    let i = best.length;
    while (i > 0 && score[i - 1]! < v) i--;
    best.splice(i, 0, id);
    score.splice(i, 0, v);
    if (best.length > k) {
      best.pop();
      score.pop();
    }
  }
  return best;
}

function logSumExp(logits: Float32Array, at: number, V: number): number {
  let max = -Infinity;
  for (let i = 0; i < V; i++) max = Math.max(max, logits[at + i]!);
  let sum = 0;
  for (let i = 0; i < V; i++) sum += Math.exp(logits[at + i]! - max);
  return max + Math.log(sum);
}

/** The k best id sequences by summed log-probability, one id per position, `original` excluded. */
function bestCombinations(slots: { ids: number[]; lp: number[] }[], k: number, original: number[]): number[][] {
  let beam: { ids: number[]; score: number }[] = [{ ids: [], score: 0 }];
  for (const slot of slots) {
    const next = beam.flatMap((b) => slot.ids.map((id, j) => ({ ids: [...b.ids, id], score: b.score + slot.lp[j]! })));
    // Array.prototype.sort is stable: equal scores keep beam rank, then candidate rank.
    beam = next.sort((a, b) => b.score - a.score).slice(0, k + 1);
  }
  return beam.map((b) => b.ids).filter((ids) => ids.some((id, i) => id !== original[i])).slice(0, k);
}
