/**
 * Which student layer learns from which teacher layer, as plain data (TinyBERT §3.1, "the
 * student learns from the teacher's layer g(m)").
 *
 * Indices: attention layers are 0-based transformer layers (student 0..M-1, teacher 0..N-1);
 * hidden states are `ModelOutput.hiddenStates` indices (0 = embedding output, then layer outputs:
 * student 0..M, teacher 0..N).
 *
 * `uniform` is what huawei-noah task_distill.py does with k = N / M layers per block:
 *   attention: student layer m <-> teacher layer m*k + k - 1  (the last layer of each block)
 *   hidden:    student state m <-> teacher state m*k          (0 <-> 0: embeddings)
 * i.e. the paper's g(m) = m*N/M written for 0-based layers. N not divisible by M has no uniform
 * mapping; the recipe must then list explicit `{student, teacher}` pairs.
 */
import { z } from 'zod';
import { RecipeError } from '../errors.js';
import { validate } from '../util/validate.js';

export const layerPairSchema = z
  .object({
    student: z.number().int().nonnegative().describe('student layer (attention) or hidden-state index'),
    teacher: z.number().int().nonnegative().describe('teacher layer (attention) or hidden-state index'),
  })
  .strict();
export type LayerPair = z.infer<typeof layerPairSchema>;

const featureMappingSchema = z.union(
  [
    z.literal('uniform').describe('task_distill.py: student m <-> teacher m*N/M (+ N/M - 1 for attention)'),
    z.array(layerPairSchema).describe('explicit pairs, one per student layer/state'),
  ],
  { error: 'expected "uniform" or a list of {student, teacher} pairs' },
);

export const attentionHeadsSchema = z
  .enum(['match', 'average'])
  .describe('match: compare head by head (head counts must agree); average: average both maps over heads first');
export type AttentionHeads = z.infer<typeof attentionHeadsSchema>;

const mappingObjectSchema = z
  .object({
    attention: featureMappingSchema.default('uniform').describe('attention-score pairs (0-based layers)'),
    hidden: featureMappingSchema.default('uniform').describe('hidden-state pairs (0 = embedding output)'),
    attention_heads: attentionHeadsSchema.default('match'),
  })
  .strict();

export const mappingSchema = z
  .union([z.literal('uniform'), mappingObjectSchema], {
    error: 'expected "uniform" or an object {attention, hidden, attention_heads}',
  })
  .default('uniform')
  .describe('layer mapping: "uniform" (the reference) or per-feature uniform / explicit pairs');
export type MappingSpec = z.input<typeof mappingSchema>;

/** The mapping after validation against both models: every pair in range, one per student index. */
export interface ResolvedMapping {
  attention: LayerPair[];
  hidden: LayerPair[];
  attentionHeads: AttentionHeads;
}

/** What the mapping needs to know about a model. */
export interface LayerShape {
  layers: number;
  heads: number;
}

/** task_distill.py's mapping for N teacher and M student layers (N must be a multiple of M). */
export function uniformPairs(teacherLayers: number, studentLayers: number, field = 'mapping'): Pick<ResolvedMapping, 'attention' | 'hidden'> {
  const N = teacherLayers;
  const M = studentLayers;
  if (!(M > 0) || N % M !== 0) {
    throw new RecipeError(
      `${field}: uniform mapping needs the teacher's layer count to be a multiple of the student's, ` +
        `got teacher ${N} and student ${M} layers; list explicit {student, teacher} pairs instead`,
    );
  }
  const k = N / M;
  const attention = Array.from({ length: M }, (_, m) => ({ student: m, teacher: m * k + k - 1 }));
  const hidden = Array.from({ length: M + 1 }, (_, m) => ({ student: m, teacher: m * k }));
  return { attention, hidden };
}

function checkPairs(
  pairs: LayerPair[],
  field: string,
  studentMax: number,
  teacherMax: number,
  what: string,
): LayerPair[] {
  const seen = new Map<number, number>();
  pairs.forEach((p, i) => {
    const where = `${field}[${i}] {student: ${p.student}, teacher: ${p.teacher}}`;
    if (p.student > studentMax) {
      throw new RecipeError(`${where}: student ${what} ${p.student} does not exist (valid: 0..${studentMax})`);
    }
    if (p.teacher > teacherMax) {
      throw new RecipeError(`${where}: teacher ${what} ${p.teacher} does not exist (valid: 0..${teacherMax})`);
    }
    const before = seen.get(p.student);
    if (before !== undefined) {
      throw new RecipeError(`${where}: student ${what} ${p.student} is already mapped by ${field}[${before}]; one pair per student ${what}`);
    }
    seen.set(p.student, i);
  });
  return pairs.map((p) => ({ ...p }));
}

/** Turns a zod failure into a RecipeError naming the field path. */
function parseSpec(spec: MappingSpec | undefined, field: string): z.output<typeof mappingObjectSchema> {
  const r = validate(mappingSchema, spec, { at: field }, RecipeError);
  return r === 'uniform' ? { attention: 'uniform', hidden: 'uniform', attention_heads: 'match' } : r;
}

/**
 * Validates a mapping against the two models and expands `uniform`. Errors name the field
 * (`mapping.attention[1]`) and the offending pair.
 */
export function resolveMapping(
  spec: MappingSpec | undefined,
  teacher: LayerShape,
  student: LayerShape,
  field = 'mapping',
): ResolvedMapping {
  const s = parseSpec(spec, field);
  const needsUniform = s.attention === 'uniform' || s.hidden === 'uniform';
  const uniform = needsUniform ? uniformPairs(teacher.layers, student.layers, field) : undefined;
  const attention =
    s.attention === 'uniform'
      ? uniform!.attention
      : checkPairs(s.attention, `${field}.attention`, student.layers - 1, teacher.layers - 1, 'layer');
  const hidden =
    s.hidden === 'uniform'
      ? uniform!.hidden
      : checkPairs(s.hidden, `${field}.hidden`, student.layers, teacher.layers, 'hidden state');
  if (attention.length > 0 && s.attention_heads === 'match' && teacher.heads !== student.heads) {
    throw new RecipeError(
      `${field}.attention_heads: the teacher has ${teacher.heads} attention heads and the student ${student.heads}; ` +
        `maps can only be compared head by head when the counts match; set attention_heads: average ` +
        `to compare head-averaged maps`,
    );
  }
  return { attention, hidden, attentionHeads: s.attention_heads };
}
