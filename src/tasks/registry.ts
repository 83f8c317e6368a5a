/**
 * The task kinds by the `type` of a `tasks:` entry. Each entry validates with the schema of the
 * module its `type` selects; an unknown type is one error listing the known ones. Adding a kind is
 * its module plus one line here.
 */
import { z } from 'zod';
import { classification } from './classification/module.js';
import { span } from './span/module.js';
import type { AnyTaskModule } from './task-module.js';
import { tokenClassification } from './token-classification/module.js';

export const TASK_MODULES = {
  single: classification,
  pair: classification,
  regression: classification,
  'token-classification': tokenClassification,
  span,
} as const satisfies Record<string, AnyTaskModule>;

export type TaskTypeName = keyof typeof TASK_MODULES;
export const TASK_TYPES = Object.keys(TASK_MODULES) as TaskTypeName[];

/** The distinct modules, each once. */
const MODULES: AnyTaskModule[] = [...new Set<AnyTaskModule>(Object.values(TASK_MODULES))];

/** Every file format some module reads (`--format` choices). */
export const TASK_FORMATS: readonly string[] = [...new Set(MODULES.flatMap((m) => m.formats))];

/** Every resolved `tasks:` entry (a union over the modules' configs). */
export type TaskEntry = { [K in TaskTypeName]: z.output<(typeof TASK_MODULES)[K]['schema']> }[TaskTypeName];

const unknownType = (input: unknown) => `unknown task type ${JSON.stringify((input as { type?: unknown } | undefined)?.type)}; known: ${TASK_TYPES.join(', ')}`;

/** A `tasks:` entry: the schema of the module its `type` selects (each module's schema has a literal or enum `type`). */
export const taskSchema = z
  .discriminatedUnion('type', MODULES.map((m) => m.schema) as unknown as [z.core.$ZodTypeDiscriminable, ...z.core.$ZodTypeDiscriminable[]], {
    error: (iss) => (iss.code === 'invalid_union' ? unknownType(iss.input) : undefined),
  })
  .describe('a labelled dataset; type selects the task kind and the fields it takes') as unknown as z.ZodType<TaskEntry, unknown>;

/** The module that evaluates a model with this head, if any. */
export function moduleForHead(head: string): AnyTaskModule | undefined {
  return MODULES.find((m) => m.modelHead === head);
}

/** The model heads some module evaluates. */
export const TASK_HEADS: readonly string[] = MODULES.map((m) => m.modelHead);

/** The module of a resolved `tasks:` entry. */
export function taskModule(task: { type: string }): AnyTaskModule {
  return TASK_MODULES[task.type as TaskTypeName];
}
