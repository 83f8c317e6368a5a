/**
 * The task of a stage, through its task module: the resolved config, the label list (the recipe's,
 * else collected from the train file), the model's tokenizer and the stage's sequence length; and
 * the examples of a split. Preflight, the stage runner and the run summary read tasks only here.
 */
import { DataError, RecipeError } from '../errors.js';
import type { Recipe, Stage } from '../recipe/schema.js';
import { taskModule } from '../recipe/task.js';
import type { TaskSetup } from '../tasks/infer.js';
import { recordSettings } from '../tasks/settings.js';
import type { ModelConfig } from '../model/config.js';
import { BertTokenizer } from '../tokenizer/index.js';

export type Split = 'train' | 'dev' | 'test';

/** The file of `split` of a stage's task, or undefined when the task has none. */
export function splitFile(recipe: Recipe, stage: Stage, split: Split): string | undefined {
  return recipe.tasks[stage.task!]![split];
}

/** Examples of one split of a stage's task (test files may be unlabelled); `labels` default: the ones the config fixes. */
export function readSplit(recipe: Recipe, stage: Stage, split: Split, labels?: readonly string[]): unknown[] {
  const config = recipe.tasks[stage.task!]!;
  const file = config[split];
  if (file === undefined) throw new DataError(`tasks.${stage.task}.${split}: the task has no ${split} file`);
  const module = taskModule(config);
  return module.read(file, config, { labelled: split !== 'test', taskName: stage.task, labels: labels ?? module.labelsOf(config) });
}

/**
 * The task of a task stage, ready to run. `train` are the train examples when the caller has them
 * (the label list of a task without `labels:` is collected from them); otherwise the train file is read.
 */
export function stageTask(recipe: Recipe, stage: Stage, vocab: string, train?: readonly unknown[]): TaskSetup {
  const config = recipe.tasks[stage.task!]!;
  const module = taskModule(config);
  const labels = module.labelsOf(config) ?? module.labelsFrom(train ?? readSplit(recipe, stage, 'train'));
  const outputs = module.head(config, labels).numLabels;
  if (stage.num_labels !== undefined && stage.num_labels !== outputs) {
    throw new RecipeError(`stages.${stage.name}.num_labels: task "${stage.task}" has ${outputs} labels in ${config.train}, not ${stage.num_labels}`);
  }
  return { module, config, labels, tokenizer: BertTokenizer.fromVocabFile(vocab), maxSeqLength: stage.max_seq_length };
}

/**
 * The head a task stage gives its trained model: the module's, with the label names for id2label
 * and the task settings inference reuses (sequence length, windows, decoding; tasks/settings.ts).
 */
export function taskHead(task: TaskSetup): Pick<ModelConfig, 'head' | 'numLabels' | 'labels' | 'taskSettings'> {
  const { head, numLabels } = task.module.head(task.config, task.labels);
  const labels = task.labels.length === numLabels ? [...task.labels] : Array.from({ length: numLabels }, (_, i) => `LABEL_${i}`);
  return { head, numLabels, labels, taskSettings: recordSettings(task.module, task.config, task.maxSeqLength) };
}
