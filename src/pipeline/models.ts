/**
 * Model slots of a run: where each named model currently lives (a config to create from, or a model
 * directory — the latest stage output replaces the slot), and how a stage gets a model with the
 * head it needs (a fresh task head is initialised when the source has none).
 */
import { findFile, HEAD_PARAM, loadModelDir, VOCAB_FILES, vocabPath as dirVocab } from '../checkpoint/model-dir.js';
import type { TensorMap } from '../checkpoint/tensor-map.js';
import { DataError } from '../errors.js';
import type { BertModel } from '../model/bert.js';
import { readModelConfig, type ModelConfig } from '../model/config.js';
import { createModel } from '../model/init.js';
import type { Recipe } from '../recipe/schema.js';

export interface SlotState {
  /** Config file to create the model from (only until a stage has trained the slot). */
  config?: string;
  /** Model directory holding the slot's current weights. */
  dir?: string;
  vocab?: string;
}

export type Slots = Record<string, SlotState>;

export function initialSlots(recipe: Recipe): Slots {
  const slots: Slots = {};
  for (const [name, m] of Object.entries(recipe.models)) slots[name] = { config: m.config, dir: m.dir, vocab: m.vocab };
  return slots;
}

/**
 * The vocab.txt a slot's tokenizer uses: its own, its directory's, the recipe's, then (a student
 * created from a config) the vocab of the teacher it is first distilled from, since distillation
 * assumes one tokenization.
 */
export function slotVocab(recipe: Recipe, slots: Slots, slot: string, seen: Set<string> = new Set()): string {
  const s = slots[slot];
  if (s.vocab) return s.vocab;
  if (s.dir && findFile(s.dir, VOCAB_FILES)) return dirVocab(s.dir);
  if (recipe.vocab) return recipe.vocab;
  seen.add(slot);
  const teacher = recipe.stages.find((st) => st.student === slot && st.teacher !== undefined && !seen.has(st.teacher))?.teacher;
  if (teacher) return slotVocab(recipe, slots, teacher, seen);
  throw new DataError(`model slot "${slot}": no vocab.txt (set models.${slot}.vocab or vocab: in the recipe, or give its directory one)`);
}

export type HeadSpec = Pick<ModelConfig, 'head' | 'numLabels' | 'labels' | 'taskSettings'>;

export interface StageModel {
  model: BertModel;
  extras: TensorMap;
  /** Where the weights came from: the slot's model directory or config file. */
  source: string;
  /** Head parameters the source lacked, freshly initialised (empty when loaded or created whole). */
  freshHead: string[];
}

/**
 * Instantiates a slot with `head` (undefined: keep the source's head). Seeded so a fresh model or
 * head is the same on every run and on resume. Missing head parameters are initialised and listed
 * in `freshHead`; the caller decides whether that is expected (a new task head) or a fault.
 */
export function instantiate(slots: Slots, slot: string, head: HeadSpec | undefined, seed: number): StageModel {
  const s = slots[slot];
  if (s.dir) {
    const loaded = loadModelDir(s.dir, { head, seed, allowMissing: (name) => HEAD_PARAM.test(name) });
    return { model: loaded.model, extras: loaded.extras, source: s.dir, freshHead: loaded.report.initialised };
  }
  let config = readModelConfig(s.config!);
  if (head) config = { ...config, ...head };
  return { model: createModel(config, seed), extras: new Map(), source: s.config!, freshHead: [] };
}
