/**
 * The `augment` stage (issue 11): `augment()` (src/augment) over a task's train file, with the
 * masked-LM model and the label guard taken from model slots, writing `<output_dir>/<stage>/train.<ext>`
 * and its sidecars. The stage's `output` names a new task, the source task with `train` replaced
 * (dev unchanged), which later stages name like any task; `withAugmentedTasks` adds it to the
 * recipe the stages run on. The resolved recipe file keeps only the tasks the user wrote.
 *
 * Resume: a killed augment continues from its own progress sidecar (OUT.progress.json); a finished
 * one is skipped through done.json like any stage.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { extname, join } from 'node:path';
import { augment, sidecars, type AugmentOptions, type AugmentSummary } from '../augment/index.js';
import { readDirConfig } from '../checkpoint/model-dir.js';
import { RecipeError } from '../errors.js';
import { augmentOutputs, type Recipe, type Stage, type TaskConfig } from '../recipe/schema.js';
import type { Slots } from './models.js';
import type { RunLog } from './progress.js';
import { writeStageDone, type StageResult } from './run-dir.js';

/** The augmented train file an augment stage writes: in its stage folder, with the source's extension. */
export function augmentedTrainFile(recipe: Recipe, stage: Stage, source: TaskConfig): string {
  return join(recipe.output_dir, stage.name, `train${extname(source.train) || '.txt'}`);
}

/** `recipe` with every augment stage's output task added (the source task, train replaced by the augmented file). */
export function withAugmentedTasks(recipe: Recipe): Recipe {
  const tasks = { ...recipe.tasks };
  for (const [name, { index, source }] of augmentOutputs(recipe)) {
    tasks[name] = { ...source, train: augmentedTrainFile(recipe, recipe.stages[index]!, source) };
  }
  return { ...recipe, tasks };
}

/** `recipe` without the tasks augment stages write: what recipe.yaml beside a checkpoint holds, so it loads back. */
export function writtenRecipe(recipe: Recipe): Recipe {
  const outputs = new Set(recipe.stages.flatMap((s) => (s.kind === 'augment' && s.output !== undefined ? [s.output] : [])));
  if (!outputs.size) return recipe;
  return { ...recipe, tasks: Object.fromEntries(Object.entries(recipe.tasks).filter(([name]) => !outputs.has(name))) };
}

/** A slot's model directory with one of `heads`; a slot still only a config, or with another head, is refused naming the field. */
function slotDir(stage: Stage, slots: Slots, slot: string, field: string, heads: string[], what: string): string {
  const dir = slots[slot]?.dir;
  if (!dir) {
    throw new RecipeError(`stages.${stage.name}.${field}: slot "${slot}" is created from a config and holds no trained weights yet; ${what}`);
  }
  const head = readDirConfig(dir).head;
  if (!heads.includes(head)) throw new RecipeError(`stages.${stage.name}.${field}: slot "${slot}" (${dir}) has a ${head} head, not ${heads.join(' or ')}; ${what}`);
  return dir;
}

/** The augment options of a stage: its fields, the source task's format and columns, the recipe's seed. */
function augmentOptions(recipe: Recipe, stage: Stage, slots: Slots, resume: boolean): AugmentOptions {
  const source = recipe.tasks[stage.task!]!;
  const model = slotDir(stage, slots, stage.model!, 'model', ['mlm', 'pretraining'], 'augment needs a pre-trained teacher with its masked-LM head (a directory, or a pretrain stage\'s output)');
  const guardModel = stage.guard && slotDir(stage, slots, stage.guard.model, 'guard.model', ['classification'], 'the guard is the teacher fine-tuned on the task (a finetune stage\'s output)');
  const out = augmentedTrainFile(recipe, stage, source);
  const common: AugmentOptions = {
    model,
    data: source.train,
    out,
    copies: stage.copies,
    seed: recipe.seed,
    p: stage.p,
    candidates: stage.candidates,
    wholeWord: stage.whole_word,
    wordVectors: stage.word_vectors,
    stopWords: stage.stop_words,
    guardModel,
    guard: stage.guard?.rule,
    batchSize: stage.batch_size,
    maxSeqLength: stage.max_seq_length,
    resume: resume && existsSync(sidecars(out).progress),
  };
  switch (source.type) {
    case 'single':
    case 'pair':
    case 'regression':
      return {
        ...common,
        kind: 'classification',
        format: source.format,
        header: source.header,
        textA: source.columns.text_a,
        textB: source.columns.text_b,
        label: source.columns.label,
        labels: source.type === 'regression' ? undefined : source.labels,
        skipLabels: source.skip_labels,
        labelAliases: source.label_aliases,
      };
    case 'token-classification':
      return { ...common, kind: 'token-classification', format: source.format };
    case 'span':
      if (source.format !== 'squad') throw new RecipeError(`stages.${stage.name}.task: augment reads span tasks in SQuAD JSON, task "${stage.task}" is ${source.format}`);
      return { ...common, kind: 'span' };
  }
}

export async function runAugmentStage(recipe: Recipe, index: number, slots: Slots, log: RunLog, opts: { resume?: boolean; quiet?: boolean }): Promise<StageResult> {
  const stage = recipe.stages[index]!;
  const dir = join(recipe.output_dir, stage.name);
  const options = augmentOptions(recipe, stage, slots, Boolean(opts.resume));
  mkdirSync(dir, { recursive: true });
  let last = 0;
  const summary: AugmentSummary = await augment(options, {
    onProgress: (done, total) => {
      if (opts.quiet || done - last < total / 10) return;
      last = done;
      process.stderr.write(`${stage.name}: augmented ${done}/${total} examples\n`);
    },
  });
  const warnings = summary.examples > 0 && summary.augmented === 0 ? [`stage ${stage.name}: no example was changed (${summary.withCandidates} of ${summary.examples} had replacement candidates)`] : [];
  for (const w of warnings) log.write({ event: 'warning', stage: stage.name, message: w });
  log.write({ event: 'augment', stage: stage.name, ...summary });
  const result: StageResult = { stage: stage.name, output: options.out, steps: 0, seconds: summary.seconds, warnings };
  writeStageDone(recipe.output_dir, dir, result, undefined);
  log.write({ event: 'stage-end', ...result });
  return result;
}
