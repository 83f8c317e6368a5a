/**
 * Checks every input of a run before its first stage, so a mistake stops the run in one line
 * instead of crashing a later stage after hours of work (issue 9):
 *   - each model slot a stage uses: its vocab.txt fits its config's vocab_size;
 *   - each task file a stage reads (train, dev): exists, parses, every label is in the label set
 *     (skip_labels and label_aliases honoured), through the same reader the stage uses;
 *   - each corpus a stage reads: exists, is a non-empty readable file.
 * The first problem is reported, naming the file (and line) and the value.
 */
import { closeSync, openSync } from 'node:fs';
import { modelConfigPath, readDirConfig } from '../checkpoint/model-dir.js';
import { Corpus } from '../data/index.js';
import { ConfigError, DataError } from '../errors.js';
import { readModelConfig } from '../model/config.js';
import type { Recipe } from '../recipe/schema.js';
import { taskModule } from '../recipe/task.js';
import { Vocab } from '../tokenizer/vocab.js';
import { slotVocab, type Slots } from './models.js';
import { readSplit } from './task-data.js';

export async function preflight(recipe: Recipe, slots: Slots): Promise<void> {
  checkVocabs(recipe, slots);
  checkTaskFiles(recipe);
  await checkCorpora(recipe);
}

/** A vocab with more ids than the embedding table crashes in GatherV2 mid-run; refuse it here. */
function checkVocabs(recipe: Recipe, slots: Slots): void {
  const used = new Set(recipe.stages.flatMap((s) => [s.train, s.teacher, s.student, s.model, s.guard?.model].filter((x): x is string => x !== undefined)));
  for (const slot of used) {
    const s = slots[slot];
    const config = s.config ?? modelConfigPath(s.dir!);
    const vocabSize = (s.config ? readModelConfig(s.config) : readDirConfig(s.dir!)).vocabSize;
    const vocab = slotVocab(recipe, slots, slot);
    const tokens = Vocab.fromFile(vocab).size;
    if (tokens > vocabSize) {
      throw new ConfigError(
        `model slot "${slot}": ${vocab} has ${tokens} tokens but ${config} has vocab_size ${vocabSize}; ids >= ${vocabSize} have no embedding (use the model's own vocab.txt or a config with vocab_size >= ${tokens})`,
      );
    }
  }
}

/** Reads each task file a stage uses through its module's reader; labels of dev files are checked against train's. */
function checkTaskFiles(recipe: Recipe): void {
  const seen = new Set<string>();
  for (const stage of recipe.stages) {
    // A task an augment stage writes is not there yet; its dev file is its source's, checked with the source.
    if (stage.task === undefined || seen.has(stage.task) || !Object.hasOwn(recipe.tasks, stage.task)) continue;
    seen.add(stage.task);
    const task = recipe.tasks[stage.task]!;
    const module = taskModule(task);
    const train = readSplit(recipe, stage, 'train', module.labelsOf(task));
    if (train.length === 0) throw new DataError(`${task.train}: no examples (tasks.${stage.task}.train)`);
    // An empty dev file would score nothing all run and fail the final comparison after the last stage.
    if (task.dev !== undefined && readSplit(recipe, stage, 'dev', module.labelsOf(task) ?? module.labelsFrom(train)).length === 0) {
      throw new DataError(`${task.dev}: no examples (tasks.${stage.task}.dev)`);
    }
  }
}

async function checkCorpora(recipe: Recipe): Promise<void> {
  const seen = new Set<string>();
  for (const stage of recipe.stages) {
    if (stage.corpus === undefined || seen.has(stage.corpus)) continue;
    seen.add(stage.corpus);
    const c = recipe.corpus[stage.corpus];
    await new Corpus(c.path, { format: c.format, maxSeqLength: stage.max_seq_length, toIds: () => [] }).check();
    try {
      closeSync(openSync(c.path, 'r'));
    } catch (e) {
      throw new DataError(`${c.path}: corpus file cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  }
}
