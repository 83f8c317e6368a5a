/**
 * BERT masked-LM corruption for the pretrain stage (Devlin et al. 2019, §3.1): each real token
 * other than [CLS]/[SEP] is chosen with probability p; a chosen token becomes [MASK] 80% of the
 * time, a random word piece 10%, and stays 10%. Labels hold the original id at chosen positions
 * and -1 elsewhere (ignored by the loss). Seeded per step, so a resumed run masks the same tokens.
 */
import { Rng } from '../data/rng.js';
import type { Batch as HostBatch } from '../data/batcher.js';

export interface MaskIds {
  maskId: number;
  vocabSize: number;
  /** Ids never chosen: [CLS], [SEP], [PAD]. */
  special: ReadonlySet<number>;
}

export function maskTokens(batch: HostBatch, ids: MaskIds, probability: number, seed: number): HostBatch {
  const rng = Rng.fromSeed(seed);
  const inputIds = Int32Array.from(batch.inputIds); // [B·T]
  const labels = new Int32Array(inputIds.length).fill(-1); // [B·T]
  for (let i = 0; i < inputIds.length; i++) {
    if (batch.attentionMask[i] === 0 || ids.special.has(inputIds[i])) continue;
    if (rng.next() >= probability) continue;
    labels[i] = inputIds[i];
    const r = rng.next();
    if (r < 0.8) inputIds[i] = ids.maskId;
    else if (r < 0.9) inputIds[i] = rng.int(ids.vocabSize);
  }
  return { ...batch, inputIds, labels };
}
