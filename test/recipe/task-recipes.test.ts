/**
 * The token-classification and span recipes (task-pd-ner.yaml, task-cmrc2018.yaml): their `tasks:`
 * entries validate against the task modules' own schemas, they have the layout of the other task
 * recipes, and on ../shared/data their entries read the real files. As whole recipes they load through
 * the task registry, which maps `type: token-classification` / `span` to the modules.
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { RecipeError } from '../../src/errors.js';
import { loadRecipe } from '../../src/recipe/index.js';
import { span, spanTaskSchema } from '../../src/tasks/span/index.js';
import { chunks, readTaskFile, tokenClassificationTaskSchema } from '../../src/tasks/token-classification/index.js';
import { validate } from '../../src/util/validate.js';
import { DATA, describeData, ROOT } from '../helpers/shared.js';

const RECIPES = join(ROOT, 'recipes');

function yamlOf(file: string): Record<string, any> {
  return parse(readFileSync(join(RECIPES, file), 'utf8')) as Record<string, any>;
}

const ner = () => {
  const r = yamlOf('task-pd-ner.yaml');
  return validate(tokenClassificationTaskSchema, r.tasks['pd-ner'], { file: 'task-pd-ner.yaml', at: 'tasks.pd-ner' }, RecipeError);
};
const cmrc = () => {
  const r = yamlOf('task-cmrc2018.yaml');
  return validate(spanTaskSchema, r.tasks.cmrc2018, { file: 'task-cmrc2018.yaml', at: 'tasks.cmrc2018' }, RecipeError);
};

describe('token-classification and span recipes', () => {
  it.each(['task-pd-ner.yaml', 'task-cmrc2018.yaml'])('%s has the layout of the task recipes', (file) => {
    const r = yamlOf(file);
    expect(r.name).toBe(file.replace(/\.yaml$/, ''));
    expect(r.models).toEqual({ teacher: { dir: '../teachers/nezha-cn-base' }, student: { dir: '../students/general-tinybert-4l-312' } });
    expect(r.stages.map((s: { kind: string }) => s.kind)).toEqual(['finetune', 'task-intermediate', 'task-prediction']);
    const [finetune, intermediate, prediction] = r.stages;
    expect(finetune.train).toBe('teacher');
    expect(intermediate.losses).toEqual({ embedding: 1, hidden: 1, attention: 1 });
    expect(prediction.losses).toEqual({ prediction: 1 });
    expect([finetune.eval.metric, prediction.eval.metric]).toEqual(['f1', 'f1']);
    const tasks = Object.keys(r.tasks);
    expect(tasks).toHaveLength(1);
    expect(r.stages.every((s: { task: string }) => s.task === tasks[0])).toBe(true);
  });

  it('the PD-NER entry validates against the token-classification schema: MSRA train, PD-NER dev, BIO PER/ORG/LOC', () => {
    expect(ner()).toMatchObject({
      type: 'token-classification',
      format: 'conll',
      train: '../data/msra_ner/train.txt',
      dev: '../data/pd_ner/example.dev',
      labels: ['O', 'B-PER', 'I-PER', 'B-ORG', 'I-ORG', 'B-LOC', 'I-LOC'],
      max_seq_length: 128,
    });
  });

  it('the CMRC 2018 entry validates against the span schema with run_squad windows', () => {
    expect(cmrc()).toEqual({
      type: 'span',
      format: 'squad',
      train: '../data/cmrc2018/cmrc2018_train.json',
      dev: '../data/cmrc2018/cmrc2018_dev.json',
      max_seq_length: 384,
      doc_stride: 128,
      max_query_length: 64,
      max_answer_length: 50,
      n_best_size: 20,
    });
  });
});

describe('token-classification and span recipes as whole recipes', () => {
  it.each(['task-pd-ner.yaml', 'task-cmrc2018.yaml'])('%s validates as a whole recipe through the task registry', (file) => {
    const r = loadRecipe(join(RECIPES, file));
    expect(r.stages.map((s) => s.kind)).toEqual(['finetune', 'task-intermediate', 'task-prediction']);
    expect(r.stages.map((s) => s.eval?.metric)).toEqual(['f1', undefined, 'f1']);
    expect(r.stages.map((s) => s.head)).toEqual(file === 'task-pd-ner.yaml' ? ['token-classification', 'token-classification', 'token-classification'] : ['span', 'span', 'span']);
  });
});

describeData('token-classification and span recipes against ../shared/data', () => {
  /** The shared copy of the file the recipe names under ../data/. */
  const real = (recipePath: string, rel: string) => {
    expect(recipePath).toMatch(/^\.\.\/data\//);
    expect(basename(recipePath)).toBe(basename(rel));
    return join(DATA, rel);
  };

  it('the PD-NER entry reads MSRA NER train and PD-NER dev, every tag in its label list', () => {
    const task = ner();
    const train = readTaskFile(real(task.train, 'msra_ner/train.txt'), task);
    const dev = readTaskFile(real(task.dev!, 'pd_ner/conll_format/example.dev'), task);
    expect([train.length, dev.length]).toEqual([53146, 2318]);
    expect(dev.reduce((n, s) => n + chunks(s.tags).length, 0)).toBe(884 + 984 + 1951);
  });

  it('the CMRC 2018 entry reads the official train and dev files', () => {
    const task = cmrc();
    const train = span.read(real(task.train, 'cmrc2018/cmrc2018_train.json'), task, { labelled: true });
    const dev = span.read(real(task.dev!, 'cmrc2018/cmrc2018_dev.json'), task, { labelled: true });
    expect([train.length, dev.length]).toEqual([10142, 3219]);
  });
});
