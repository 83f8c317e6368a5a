import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { initialSlots, slotVocab } from '../../src/pipeline/models.js';
import { loadRecipe } from '../../src/recipe/index.js';
import { ROOT } from '../helpers/shared.js';

const recipeFiles = readdirSync(join(ROOT, 'recipes')).filter((f) => /\.(ya?ml|json)$/.test(f));

/** The shipped recipe loaded from a temp tree where every model directory and vocab it names exists. */
function withStandIns(file: string) {
  const root = mkdtempSync(join(tmpdir(), 'tb-vocab-'));
  mkdirSync(join(root, 'recipes'));
  copyFileSync(join(ROOT, 'recipes', file), join(root, 'recipes', file));
  const recipe = loadRecipe(join(root, 'recipes', file));
  const touch = (path: string) => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, '[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n');
  };
  if (recipe.vocab) touch(recipe.vocab);
  for (const m of Object.values(recipe.models)) {
    if (m.vocab) touch(m.vocab);
    if (m.dir) touch(join(m.dir, 'vocab.txt'));
  }
  return recipe;
}

describe('slot vocabularies', () => {
  it.each(recipeFiles)('%s resolves a vocab.txt for every model slot given stand-in files', (file) => {
    const recipe = withStandIns(file);
    const slots = initialSlots(recipe);
    for (const slot of Object.keys(recipe.models)) expect(existsSync(slotVocab(recipe, slots, slot)), slot).toBe(true);
  });

  it('a student created from a config takes the vocab of the teacher it is distilled from', () => {
    const recipe = withStandIns('general-nezha-base-to-tinybert-4l.yaml');
    expect(recipe.models.student.config).toBeDefined();
    expect(slotVocab(recipe, initialSlots(recipe), 'student')).toBe(join(recipe.models.teacher.dir!, 'vocab.txt'));
  });

  it('a slot with no vocab anywhere names the slot and where to set one', () => {
    const recipe = withStandIns('general-nezha-base-to-tinybert-4l.yaml');
    const slots = { ...initialSlots(recipe), teacher: { config: 'x.json' } };
    expect(() => slotVocab(recipe, slots, 'student')).toThrow(/model slot "teacher": no vocab\.txt \(set models\.teacher\.vocab or vocab: in the recipe/);
  });
});
