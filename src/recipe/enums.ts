/**
 * Name enums the recipe shares with the modules that implement them. Each is defined once, by the
 * registry it names (losses, attention-head and projection options in src/distill, optimizers and schedules in src/train), and re-exported
 * here, so a recipe enum can never drift from its registry.
 */
import type { LossName } from '../distill/losses.js';

export { lossNameSchema, semanticsSchema, type LossName, type Semantics } from '../distill/losses.js';
export { attentionHeadsSchema, type AttentionHeads } from '../distill/mapping.js';
export { projectionChoiceSchema, type ProjectionChoice } from '../distill/projection.js';
export { optimizerNameSchema, type OptimizerName } from '../train/optimizer.js';
export { scheduleNameSchema, scheduleSchema, type ScheduleName } from '../train/schedule.js';

/** The losses computed from intermediate layers (the Transformer-layer distillation of §3.1). */
export const INTERMEDIATE_LOSSES: readonly LossName[] = ['embedding', 'hidden', 'attention'];
