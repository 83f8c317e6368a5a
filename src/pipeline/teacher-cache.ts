/**
 * The teacher-output cache of a task-prediction stage (issue 11): when the stage distils only the
 * teacher's logits (prediction, and hard labels that need no teacher), the teacher runs once in
 * eval mode over the training features before the loop, and every step reads its logits from
 * `<output_dir>/<stage>/teacher-cache` (src/distill/teacher-cache.ts) instead of running it.
 * The live teacher also runs in eval mode, so the student sees the same logits either way (bit for
 * bit on the cpu backend; native kernels vary a row's logits in the last bit with the batch's padded
 * length, the cache holds one of those values).
 * A resumed stage finds the cache filled and only checks it (rows cached are not run again).
 * A stage that reads less than one epoch runs its teacher live: the fill would cost more.
 */
import { join } from 'node:path';
import { fillTeacherCache, TeacherCache, teacherIdentity } from '../distill/teacher-cache.js';
import type { BertModel } from '../model/bert.js';
import type { Stage } from '../recipe/schema.js';
import type { TaskSetup } from '../tasks/infer.js';
import type { FeatureBase } from '../tasks/task-module.js';
import { taskBatchesByLength } from './batches.js';
import type { RunLog } from './progress.js';

/** The cache folder inside a stage's folder (data folders may be read-only). */
export const TEACHER_CACHE_DIR = 'teacher-cache';

/** Whether a stage reads its teacher's logits from the cache: task-prediction, teacher_cache auto, prediction and hard losses only. */
export function usesTeacherCache(stage: Stage): boolean {
  return stage.kind === 'task-prediction' && stage.teacher_cache === 'auto' && Object.keys(stage.losses).every((k) => k === 'prediction' || k === 'hard');
}

/**
 * Whether filling the cache costs less than running the teacher live: the fill runs it once over
 * every training batch, the live teacher once per batch read, so the cache pays off only when the
 * stage reads more than one epoch. A shorter stage runs its teacher live (a note says why).
 */
export function cachePaysOff(stage: Stage, totalSteps: number, batchesPerEpoch: number, notes: string[]): boolean {
  const reads = totalSteps * stage.grad_accum;
  if (reads > batchesPerEpoch) return true;
  notes.push(`stage ${stage.name}: teacher_cache auto runs the teacher live: ${reads} batches read of ${batchesPerEpoch} an epoch, so filling the cache would cost more than it saves`);
  return false;
}

/** Fills the stage's cache with the teacher's logits of every training feature (what is cached already is kept) and opens it for lookups. */
export async function stageTeacherCache(stage: Stage, dir: string, teacher: BertModel, task: TaskSetup, features: readonly FeatureBase[][], log: RunLog): Promise<TeacherCache> {
  const cacheDir = join(dir, TEACHER_CACHE_DIR);
  const started = Date.now();
  const { added, cached } = await fillTeacherCache(teacher, taskBatchesByLength(stage, task, features), cacheDir);
  log.write({ event: 'teacher-cache', stage: stage.name, dir: cacheDir, added, cached, seconds: (Date.now() - started) / 1000 });
  return TeacherCache.open(cacheDir, teacherIdentity(teacher));
}
