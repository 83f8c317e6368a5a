/**
 * The recipe: named data sources and model slots, then a pipeline of stages. `recipeSchema` is the
 * single source of truth for the file format and, through `z.infer`, for the types the stage runner
 * reads. After the field checks, `superRefine` checks what spans fields (references between stages,
 * tasks, corpora and model slots); the final `transform` fills every default so a parsed recipe is
 * fully resolved, and saving it (`recipeToYaml`) and loading it back gives the same recipe.
 */
import { z } from 'zod';
import { BACKEND_NAMES } from '../backend/select.js';
import { corpusSchema, modelSourceSchema, pathSchema, taskModule, taskSchema, type Task } from './task.js';
import { defaultLosses, stageInputSchema, type StageInput } from './stage.js';
import type { LossName } from './enums.js';

const nameSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a name is letters, digits, ".", "_" or "-" (it names a folder)');

export const recipeSchema = z
  .strictObject({
    name: nameSchema.describe('run name'),
    seed: z.number().int().min(0).default(42).describe('seed for weight initialisation, shuffling and dropout'),
    output_dir: pathSchema.optional().describe('run folder; default runs/<name> next to the recipe file'),
    backend: z.enum(BACKEND_NAMES).default('auto').describe('compute backend'),
    tasks: z.record(nameSchema, taskSchema).default({}).describe('labelled datasets by name'),
    corpus: z.record(nameSchema, corpusSchema).default({}).describe('plain-text corpora by name'),
    models: z
      .record(nameSchema, modelSourceSchema)
      .refine((m) => Object.keys(m).length > 0, 'define at least one model slot, e.g. teacher: { config: ... }')
      .describe('model slots by name; a stage\'s output replaces its slot for later stages'),
    vocab: pathSchema.optional().describe('vocab.txt used when a model names none'),
    stages: z.array(stageInputSchema).min(1).describe('the pipeline, run in order'),
  })
  .superRefine((r, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    const known = (what: Record<string, unknown>) => Object.keys(what).join(', ') || 'none';
    const seen = new Map<string, number>();
    const written = augmentOutputs(r);
    const slotsOf = (s: StageInput) => [
      ['train', s.train],
      ['teacher', s.teacher],
      ['student', s.student],
      ['model', s.model],
      ['guard.model', s.guard?.model],
    ] as const;
    r.stages.forEach((s, i) => {
      const first = seen.get(s.name);
      if (first !== undefined) issue(['stages', i, 'name'], `stage name "${s.name}" is already used by stages[${first}]`);
      else seen.set(s.name, i);
      for (const [field, v] of slotsOf(s)) {
        if (v !== undefined && !Object.hasOwn(r.models, v)) {
          issue(['stages', i, ...field.split('.')], `unknown model slot "${v}"; models defines: ${known(r.models)}`);
        }
      }
      if (s.output !== undefined && Object.hasOwn(r.tasks, s.output)) {
        issue(['stages', i, 'output'], `task "${s.output}" is already defined under tasks; an augment stage writes a new task: choose another output name`);
      } else if (s.output !== undefined && written.has(s.output) && written.get(s.output)!.index !== i) {
        issue(['stages', i, 'output'], `task "${s.output}" is already written by stage ${r.stages[written.get(s.output)!.index]!.name}`);
      }
      const writer = s.task === undefined ? undefined : written.get(s.task);
      if (s.task !== undefined && !Object.hasOwn(r.tasks, s.task)) {
        if (!writer) issue(['stages', i, 'task'], `unknown task "${s.task}"; tasks defines: ${known(r.tasks)}${written.size ? `, augment stages write: ${[...written.keys()].join(', ')}` : ''}`);
        else if (writer.index >= i) issue(['stages', i, 'task'], `task "${s.task}" is written by stage ${r.stages[writer.index]!.name}, which runs later; move this stage after it`);
      }
      if (s.corpus !== undefined && !Object.hasOwn(r.corpus, s.corpus)) {
        issue(['stages', i, 'corpus'], `unknown corpus "${s.corpus}"; corpus defines: ${known(r.corpus)}`);
      }
      // Own names only: "constructor" is no task even though every object inherits one.
      const task = s.task !== undefined && Object.hasOwn(r.tasks, s.task) ? r.tasks[s.task] : writer?.source;
      if (!task || s.kind === 'augment') return;
      const module = taskModule(task);
      const metric = s.eval?.metric;
      const problem = metric === undefined ? undefined : module.metricProblem(task, metric, s.task!);
      if (problem) issue(['stages', i, 'eval', 'metric'], problem);
      const head = s.kind === 'general' || s.kind === 'pretrain' ? undefined : module.head(task, module.labelsOf(task) ?? []).head;
      if (head && s.head !== undefined && s.head !== head) {
        issue(['stages', i, 'head'], `task "${s.task}" (type ${task.type}) trains a ${head} head, not ${s.head}; remove head`);
      }
      const labels = module.labelsOf(task);
      const outputs = labels && module.head(task, labels).numLabels;
      if (s.num_labels !== undefined && outputs !== undefined && s.num_labels !== outputs) {
        // Regression has one output and no labels; span two outputs (start, end) and no labels.
        const what = labels!.length === outputs ? 'labels' : outputs === 1 ? 'output (regression)' : 'outputs';
        issue(['stages', i, 'num_labels'], `task "${s.task}" has ${outputs} ${what}, not ${s.num_labels}`);
      }
    });
    const hasVocab = r.vocab !== undefined || Object.values(r.models).some((m) => m.dir !== undefined || m.vocab !== undefined);
    if (!hasVocab) issue(['vocab'], 'every model is created from a config, so the recipe needs vocab: path/to/vocab.txt');
  })
  .transform((r) => ({
    ...r,
    output_dir: r.output_dir ?? `runs/${r.name}`,
    stages: r.stages.map((s) => resolveStage(s, r)),
  }))
  .describe('a tinybert distillation recipe');

/**
 * Fills a stage's kind- and task-dependent defaults from the task's module. `num_labels` stays
 * undefined when the label list comes from the training data (token classification without
 * `labels:`); the stage reads it there.
 */
function resolveStage(s: StageInput, r: { tasks: Record<string, Task>; corpus: Record<string, z.infer<typeof corpusSchema>>; stages: StageInput[] }) {
  const task = s.task === undefined ? undefined : Object.hasOwn(r.tasks, s.task) ? r.tasks[s.task] : augmentOutputs(r).get(s.task)?.source;
  const module = task && taskModule(task);
  const corpus = s.corpus === undefined ? undefined : r.corpus[s.corpus];
  const given = s.losses ?? defaultLosses(s.kind);
  const losses: Partial<Record<LossName, number>> = Array.isArray(given) ? Object.fromEntries(given.map((l) => [l, 1])) : given;
  const noHead = s.kind === 'general' || s.kind === 'pretrain' || s.kind === 'augment';
  const labels = task && module!.labelsOf(task);
  const head = noHead ? ('none' as const) : (s.head ?? (task ? module!.head(task, labels ?? []).head : 'classification'));
  const numLabels = head === 'none' ? 0 : (s.num_labels ?? (task ? labels && module!.head(task, labels).numLabels : 2));
  return {
    ...s,
    epochs: s.epochs ?? (s.steps === undefined && s.kind !== 'augment' ? 3 : undefined),
    max_seq_length: s.max_seq_length ?? task?.max_seq_length ?? corpus?.max_seq_length ?? 128,
    losses,
    head,
    num_labels: numLabels,
    // General and pretrain stages have no labels, task-intermediate no trained head: no eval section.
    eval:
      noHead || s.kind === 'task-intermediate' || !task
        ? undefined
        : { every: s.eval?.every ?? 0, metric: s.eval?.metric ?? module!.metrics(task)[0]! },
  };
}

/**
 * The tasks the recipe's augment stages write, by name: the stage's index and its source task's
 * config (the output is that task with train replaced, so its type, labels and lengths are the source's).
 */
export function augmentOutputs(r: { tasks: Record<string, Task>; stages: readonly Pick<StageInput, 'kind' | 'task' | 'output'>[] }): Map<string, { index: number; source: Task }> {
  const out = new Map<string, { index: number; source: Task }>();
  r.stages.forEach((s, index) => {
    if (s.kind !== 'augment' || s.output === undefined || s.task === undefined || out.has(s.output)) return;
    const source = Object.hasOwn(r.tasks, s.task) ? r.tasks[s.task] : out.get(s.task)?.source;
    if (source) out.set(s.output, { index, source });
  });
  return out;
}

export type Recipe = z.infer<typeof recipeSchema>;
export type RecipeInput = z.input<typeof recipeSchema>;
export type Stage = Recipe['stages'][number];
export type TaskConfig = Recipe['tasks'][string];
export type CorpusConfig = Recipe['corpus'][string];
export type ModelSlot = Recipe['models'][string];
