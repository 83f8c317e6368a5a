/**
 * Every recipe shipped in recipes/ validates, and every model config in teachers/ and students/
 * parses. Recipes name user data that need not exist: validation never opens data files.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readExamples } from '../../src/data/index.js';
import { readModelConfig } from '../../src/model/config.js';
import { loadRecipe } from '../../src/recipe/index.js';
import { DATA, describeData, ROOT } from '../helpers/shared.js';

const RECIPES = join(ROOT, 'recipes');
const recipeFiles = readdirSync(RECIPES).filter((f) => /\.(ya?ml|json)$/.test(f));
const configFiles = ['teachers', 'students'].flatMap((d) =>
  readdirSync(join(ROOT, d)).filter((f) => f.endsWith('.json')).map((f) => join(ROOT, d, f)),
);

describe('shipped recipes', () => {
  it('include the real-world set', () => {
    for (const f of ['general-nezha-base-to-tinybert-4l.yaml', 'general-nezha-base-to-tinybert-6l.yaml', 'task-chnsenticorp.yaml', 'task-lcqmc.yaml', 'task-xnli.yaml']) {
      expect(recipeFiles).toContain(f);
    }
  });

  it.each(recipeFiles)('%s validates, and its model configs exist and parse', (file) => {
    const recipe = loadRecipe(join(RECIPES, file));
    expect(recipe.name.length).toBeGreaterThan(0);
    for (const [slot, model] of Object.entries(recipe.models)) {
      if (model.config) {
        expect(existsSync(model.config), `${file}: models.${slot}.config ${model.config}`).toBe(true);
        expect(readModelConfig(model.config).vocabSize).toBeGreaterThan(0);
      }
    }
  });

  it('general recipes: pre-trained NEZHA teacher, fresh student, intermediate losses', () => {
    for (const [file, layers, hidden] of [['general-nezha-base-to-tinybert-4l.yaml', 4, 312], ['general-nezha-base-to-tinybert-6l.yaml', 6, 768]] as const) {
      const r = loadRecipe(join(RECIPES, file));
      expect(r.stages.map((s) => s.kind)).toEqual(['general']);
      expect(r.stages[0].losses).toEqual({ embedding: 1, hidden: 1, attention: 1 });
      expect(r.stages[0].batch_size * r.stages[0].grad_accum).toBe(256);
      const student = readModelConfig(r.models.student.config!);
      expect([student.numLayers, student.hiddenSize, student.modelType]).toEqual([layers, hidden, 'bert']);
    }
  });

  it('task recipes: finetune, task-intermediate, task-prediction', () => {
    for (const file of ['task-chnsenticorp.yaml', 'task-lcqmc.yaml', 'task-xnli.yaml']) {
      const r = loadRecipe(join(RECIPES, file));
      expect(r.stages.map((s) => s.kind)).toEqual(['finetune', 'task-intermediate', 'task-prediction']);
      expect(r.stages[2].eval?.metric).toBe('accuracy');
    }
  });

  it('task-chnsenticorp-aug: general, fine-tune, augment, task stages on the augmented task', () => {
    const r = loadRecipe(join(RECIPES, 'task-chnsenticorp-aug.yaml'));
    expect(r.stages.map((s) => s.kind)).toEqual(['general', 'finetune', 'augment', 'task-intermediate', 'task-prediction']);
    expect(r.stages[2]).toMatchObject({ model: 'teacher-mlm', task: 'chnsenticorp', output: 'chnsenticorp-aug', guard: { model: 'teacher' } });
    expect(r.stages.slice(3).map((s) => s.task)).toEqual(['chnsenticorp-aug', 'chnsenticorp-aug']);
  });
});

describe('shipped model configs', () => {
  it.each(configFiles)('%s parses', (file) => {
    expect(readModelConfig(file).numLayers).toBeGreaterThan(0);
  });

  it('TinyBERT students have the published shapes', () => {
    const four = readModelConfig(join(ROOT, 'students/tinybert-4l-312.json'));
    expect([four.numLayers, four.hiddenSize, four.intermediateSize, four.numHeads, four.vocabSize]).toEqual([4, 312, 1200, 12, 21128]);
    const six = readModelConfig(join(ROOT, 'students/tinybert-6l-768.json'));
    expect([six.numLayers, six.hiddenSize, six.intermediateSize, six.numHeads, six.vocabSize]).toEqual([6, 768, 3072, 12, 21128]);
  });
});

describeData('shipped configs and recipes against ../shared/data', () => {
  it('teachers/nezha-cn-base.json holds the values of the NEZHA-cn-base bert_config.json', () => {
    const ours = JSON.parse(readFileSync(join(ROOT, 'teachers/nezha-cn-base.json'), 'utf8')) as Record<string, unknown>;
    const release = JSON.parse(readFileSync(join(DATA, 'vocab/nezha_cn_base_bert_config.json'), 'utf8')) as Record<string, unknown>;
    for (const [k, v] of Object.entries(release)) expect(ours[k], k).toEqual(v);
  });

  it.each([
    ['task-chnsenticorp.yaml', 'tasks.chnsenticorp.train', 'chnsenticorp/dev.tsv', 'chnsenticorp', 1200],
    ['task-lcqmc.yaml', 'tasks.lcqmc.train', 'lcqmc/dev.txt', 'lcqmc', 8802],
    ['task-xnli.yaml', 'tasks.xnli.train', 'xnli_zh/dev.tsv', 'xnli', 2490],
  ])('%s reads the real %s layout', (file, key, rel, name, n) => {
    const r = loadRecipe(join(RECIPES, file), [`${key}=${join(DATA, rel)}`]);
    const task = r.tasks[name];
    expect(readExamples(task.train, task)).toHaveLength(n);
  });
});
