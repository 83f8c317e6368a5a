/**
 * The label guard (beyond the reference): a fine-tuned classifier scores every augmented copy and
 * the copy is kept only if the classifier agrees with the original example's label (`agree`: its
 * argmax is the label) or gives the label at least probability τ (`{confidence: τ}`). The original
 * example is always kept. Classification only: for NER and span extraction the texts a copy changes
 * carry no label of their own (entities and answers are never touched), so those copies are not guarded.
 */
import { tf } from '../backend/tf.js';
import type { BertModel } from '../model/bert.js';
import type { BertTokenizer } from '../tokenizer/bert-tokenizer.js';

export type GuardRule = 'agree' | { confidence: number };

export interface GuardExample {
  texts: string[];
  label: number;
}

export class LabelGuard {
  constructor(
    private readonly model: BertModel,
    private readonly tokenizer: BertTokenizer,
    private readonly rule: GuardRule,
    private readonly opts: { maxSeqLength: number; batchSize: number },
    /** Class names in class-id order, as the data file writes them. */
    readonly labels: string[],
  ) {}

  /** Whether each example passes. */
  keep(examples: GuardExample[]): boolean[] {
    const K = this.model.config.numLabels;
    const out: boolean[] = [];
    for (let s = 0; s < examples.length; s += this.opts.batchSize) {
      const batch = examples.slice(s, s + this.opts.batchSize);
      const enc = batch.map((e) => this.tokenizer.encode(e.texts[0]!, e.texts[1], { maxLength: this.opts.maxSeqLength }));
      const T = Math.max(...enc.map((e) => e.inputIds.length));
      const pad = (row: number[]) => [...row, ...new Array<number>(T - row.length).fill(0)];
      const t = tf.tidy(() => {
        const logits = this.model.forward({
          inputIds: tf.tensor2d(enc.map((e) => pad(e.inputIds)), undefined, 'int32'), // [B, T]
          tokenTypeIds: tf.tensor2d(enc.map((e) => pad(e.tokenTypeIds)), undefined, 'int32'), // [B, T]
          attentionMask: tf.tensor2d(enc.map((e) => pad(e.attentionMask)), undefined, 'int32'), // [B, T]
        }).logits!; // [B, K]
        return tf.softmax(logits); // [B, K]
      });
      const probs = t.dataSync() as Float32Array;
      t.dispose();
      batch.forEach((e, b) => {
        const row = probs.subarray(b * K, (b + 1) * K);
        if (this.rule === 'agree') {
          let best = 0;
          for (let k = 1; k < K; k++) if (row[k]! > row[best]!) best = k;
          out.push(best === e.label);
        } else out.push(row[e.label]! >= this.rule.confidence);
      });
    }
    return out;
  }
}
