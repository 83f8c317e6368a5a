import { readFileSync, writeFileSync } from 'node:fs';
import { readSafetensors } from '../../src/checkpoint/safetensors.js';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { corpusBatches, type CorpusBatches } from '../../src/pipeline/batches.js';
import { maskBatch } from '../../src/pipeline/masking.js';
import { distill } from '../../src/pipeline/run.js';
import { loadRecipe } from '../../src/recipe/load.js';
import { BertTokenizer } from '../../src/tokenizer/index.js';
import { tinyRecipe } from './tiny-run.js';

/** The tiny recipe's pretrain stage alone, with `masking` (and `extra` stage fields). */
function pretrainOnly(masking: string, steps = 3, extra = ''): string {
  const { recipe } = tinyRecipe({ steps, pretrain: true });
  const text = readFileSync(recipe, 'utf8');
  const stages = text.slice(0, text.indexOf('  - { name: gd'));
  writeFileSync(recipe, stages.replace('mlm_probability: 0.3 }', `mlm_probability: 0.3, masking: ${masking}${extra} }`));
  return recipe;
}

describe('pretrain stage masking modes end to end', () => {
  it.each(['token', 'whole-word', 'span'])('a tiny pretrain stage runs with %s masking', async (masking) => {
    const recipe = loadRecipe(pretrainOnly(masking));
    expect(recipe.stages.map((s) => [s.name, s.masking])).toEqual([['pt', masking]]);
    const r = await distill(recipe, { quiet: true });
    expect(r.stages.map((s) => s.steps)).toEqual([3]);
    const log = readFileSync(join(recipe.output_dir, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const steps = log.filter((e) => e.event === 'step' && e.stage === 'pt');
    expect(steps.length).toBeGreaterThan(0);
    // Near ln(245) = 5.5 at the start: the loss reads real labels at masked positions.
    for (const s of steps) expect(s['loss.hard']).toBeGreaterThan(3);
  });

  it('gives the stage\'s batches word boundaries only when whole words are masked', async () => {
    for (const masking of ['token', 'whole-word', 'span']) {
      const recipe = loadRecipe(pretrainOnly(masking));
      const stage = recipe.stages[0];
      const source = (await corpusBatches(recipe, stage, recipe.vocab!, 1)) as CorpusBatches;
      const batch = await source.nextHost();
      expect(batch.wordStarts === undefined, masking).toBe(masking === 'token');
      if (masking === 'token') continue;
      // Demo sentences are Chinese: some segmenter words have several characters.
      const inside = Array.from(batch.wordStarts!).filter((s, i) => s === 0 && batch.attentionMask[i] === 1).length;
      expect(inside).toBeGreaterThan(0);
      const t = BertTokenizer.fromVocabFile(recipe.vocab!);
      const masked = maskBatch(batch, { maskId: t.maskId, vocabSize: 245, special: new Set([t.clsId, t.sepId, t.padId]) }, stage.masking, 0.15, 1);
      expect(masked.labels!.some((l) => l >= 0)).toBe(true);
    }
  });

  it('a span-masked pretrain stage stopped mid-way and resumed ends bit-identical to an uninterrupted one', async () => {
    const recipe = pretrainOnly('span', 6, ', checkpoint_every: 2');
    const set = (out: string) => [`output_dir=${out}`, 'backend=cpu'];
    await distill(loadRecipe(recipe, set('whole')), { quiet: true });
    const stop = (info: { step: number }) => {
      if (info.step === 4) throw new Error('stopped at step 4');
    };
    await expect(distill(loadRecipe(recipe, set('stopped')), { quiet: true, onStep: stop })).rejects.toThrow('stopped at step 4');
    await distill(loadRecipe(recipe, set('stopped')), { quiet: true, resume: true });
    const dir = join(recipe, '..');
    const log = readFileSync(join(dir, 'stopped', 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(log.filter((e) => e.event === 'resume')).toMatchObject([{ stage: 'pt', step: 2 }]);
    const a = readSafetensors(join(dir, 'whole', 'pt', 'final', 'model.safetensors')).tensors;
    const b = readSafetensors(join(dir, 'stopped', 'pt', 'final', 'model.safetensors')).tensors;
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [name, t] of a) expect(Buffer.from(b.get(name)!.data.buffer).equals(Buffer.from(t.data.buffer)), name).toBe(true);
  });
});
