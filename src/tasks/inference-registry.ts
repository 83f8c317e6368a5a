/**
 * The inference part of every task kind, by the model head it reads: what the browser loader uses
 * (browser-safe; registry.ts holds the whole modules, with their file readers). A new kind adds its
 * inference part here besides its line in registry.ts.
 */
import { classificationInference } from './classification/inference.js';
import { spanInference } from './span/inference.js';
import type { AnyTaskInference } from './task-module.js';
import { tokenClassificationInference } from './token-classification/inference.js';

export const TASK_INFERENCE: readonly AnyTaskInference[] = [classificationInference, tokenClassificationInference, spanInference];

/** The inference part for a model with this head, if some kind reads it. */
export function inferenceForHead(head: string): AnyTaskInference | undefined {
  return TASK_INFERENCE.find((m) => m.modelHead === head);
}
