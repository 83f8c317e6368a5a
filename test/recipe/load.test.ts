import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { RecipeError } from '../../src/errors.js';
import { applyOverrides, loadRecipe, parseOverride, recipeJsonSchema, recipeToYaml } from '../../src/recipe/index.js';
import { BASE_YAML, baseObject, posOf, writeRecipe } from './fixtures.js';

function loadError(path: string, overrides: string[] = []): string {
  try {
    loadRecipe(path, overrides);
  } catch (e) {
    expect(e).toBeInstanceOf(RecipeError);
    return (e as Error).message;
  }
  throw new Error('expected a RecipeError');
}

describe('loadRecipe', () => {
  it('resolves relative paths against the recipe folder', () => {
    const path = writeRecipe(BASE_YAML);
    const dir = dirname(path);
    const r = loadRecipe(path);
    expect(r.tasks.sentiment.train).toBe(join(dir, 'data/train.tsv'));
    expect(r.models.teacher.config).toBe(join(dir, 'teachers/small.json'));
    expect(r.vocab).toBe(join(dir, 'vocab.txt'));
    expect(r.output_dir).toBe(join(dir, 'runs/demo'));
  });

  it('keeps absolute paths and an explicit output_dir relative to the recipe', () => {
    const path = writeRecipe(BASE_YAML.replace('vocab: vocab.txt', 'vocab: /v/vocab.txt\noutput_dir: ../out'));
    const r = loadRecipe(path);
    expect(r.vocab).toBe('/v/vocab.txt');
    expect(r.output_dir).toBe(join(dirname(path), '../out'));
  });

  it('reads JSON by extension, with positions in messages', () => {
    const raw = baseObject();
    const good = writeRecipe(JSON.stringify(raw, null, 2), 'r.json');
    expect(loadRecipe(good).stages).toHaveLength(4);
    raw.stages[3].optimizer.lr = 'slow';
    const text = JSON.stringify(raw, null, 2);
    const bad = writeRecipe(text, 'r.json');
    expect(loadError(bad)).toBe(`${bad}:${posOf(text, '"lr": "slow"')}: stages[3].optimizer.lr: expected number, saw string "slow"`);
  });

  it('reads JSON by content when the extension says nothing', () => {
    const path = writeRecipe(JSON.stringify(baseObject()), 'recipe.conf');
    expect(loadRecipe(path).name).toBe('demo');
  });

  it('reports a JSON syntax error with its line and column', () => {
    const bad = writeRecipe('{\n  "name": "x",\n  "seed": 1,,\n}', 'r.json');
    expect(loadError(bad)).toMatch(new RegExp(`^${bad.replace(/[.]/g, '\\.')}:3:13: JSON syntax error`));
  });

  it('reports a YAML syntax error with its line and column', () => {
    const bad = writeRecipe('name: x\nstages:\n  - name: a\n   kind: general\n');
    expect(loadError(bad)).toMatch(/recipe\.yaml:4:\d+: YAML syntax error: /);
  });

  it('rejects a duplicate key as a YAML error naming the line', () => {
    const bad = writeRecipe('name: x\nseed: 1\nseed: 2\n');
    expect(loadError(bad)).toMatch(/recipe\.yaml:3:1: YAML syntax error: Map keys must be unique/);
  });

  it('points at the line of a wrong value and of an unknown key', () => {
    const text = BASE_YAML.replace('optimizer: { lr: 3.0e-5 }', 'optimizer: { lr: fast, betas: [0.9, 0.99] }');
    const path = writeRecipe(text);
    const message = loadError(path);
    expect(message).toContain(`${path}:${posOf(text, 'lr: fast')}: stages[3].optimizer.lr: expected number, saw string "fast"`);
    expect(message).toContain(`${path}:${posOf(text, 'betas')}: stages[3].optimizer.betas: unknown key; expected one of: name, lr, b1, b2`);
  });

  it('points at the stage when a required field is missing', () => {
    const text = BASE_YAML.replace('    task: sentiment\n    epochs: 2\n', '    epochs: 2\n');
    const path = writeRecipe(text);
    expect(loadError(path)).toBe(`${path}:${posOf(text, 'name: finetune-teacher')}: stages[0].task: a finetune stage needs task: the labelled task to train on`);
  });

  it('names the file when it is missing, empty or not a mapping', () => {
    expect(loadError('/nonexistent/r.yaml')).toBe('/nonexistent/r.yaml: cannot read the recipe (ENOENT)');
    const empty = writeRecipe('');
    expect(loadError(empty)).toBe(`${empty}: a recipe is a mapping of fields (name, models, stages, ...), got an empty file`);
    const list = writeRecipe('- a\n- b\n');
    expect(loadError(list)).toMatch(/a recipe is a mapping of fields .*got object/);
  });

  it('does not require data files to exist', () => {
    const path = writeRecipe(BASE_YAML.replace('data/train.tsv', '/no/such/train.tsv'));
    expect(loadRecipe(path).tasks.sentiment.train).toBe('/no/such/train.tsv');
  });
});

describe('--set overrides', () => {
  const path = writeRecipe(BASE_YAML);

  it('sets numbers, lists and mappings parsed as YAML, by index or by stage name', () => {
    const r = loadRecipe(path, [
      'stages.1.optimizer.lr=1e-4',
      'stages.2.losses=[attention,hidden]',
      'stages.general.steps=10',
      'stages.task-prediction.mapping={hidden: [[0, 0]]}',
      'seed=3',
    ]);
    expect(r.stages[1].optimizer.lr).toBe(1e-4);
    expect(r.stages[2].losses).toEqual({ attention: 1, hidden: 1 });
    expect(r.stages[1].steps).toBe(10);
    expect(r.stages[3].mapping.hidden).toEqual([{ student: 0, teacher: 0 }]);
    expect(r.seed).toBe(3);
  });

  it('creates missing mappings and removes a key or a stage with null', () => {
    const r = loadRecipe(path, ['stages.0.schedule.warmup=0.2', 'stages.task-prediction.optimizer=null']);
    expect(r.stages[0].schedule).toEqual({ name: 'warmup-linear', warmup: 0.2 });
    expect(r.stages[3].optimizer.lr).toBe(5e-5);
    const dropped = loadRecipe(path, ['stages.finetune-teacher=null', 'stages.general.steps=7']);
    expect(dropped.stages.map((s) => s.name)).toEqual(['general', 'task-intermediate', 'task-prediction']);
    expect(dropped.stages[0].steps).toBe(7);
  });

  it('blames the flag when the value it set is invalid', () => {
    expect(loadError(path, ['stages.1.optimizer.lr=fast'])).toBe(
      `${path} (--set stages.1.optimizer.lr=fast): stages[1].optimizer.lr: expected number, saw string "fast"`,
    );
    expect(loadError(path, ['stages.general.stpes=3'])).toMatch(/\(--set stages\.general\.stpes=3\): stages\[1\]\.stpes: unknown key \(did you mean "steps"\?\)/);
  });

  const bad: [string, RegExp][] = [
    ['seed', /^--set seed: expected key\.path=value$/],
    ['=3', /^--set =3: expected key\.path=value$/],
    ['stages..steps=3', /^--set stages\.\.steps=3: empty segment/],
    ['stages.9.steps=3', /^--set stages\.9\.steps=3: stages has 4 items, there is no index 9$/],
    ['stages.warmup.steps=3', /^--set stages\.warmup\.steps=3: stages has no item named "warmup"; names: finetune-teacher, general, task-intermediate, task-prediction$/],
    ['name.first=x', /^--set name\.first=x: name is "demo", not a mapping or list, so it has no field "first"$/],
    ['seed=[1, 2', /^--set seed=\[1, 2: the value is not a YAML scalar or flow collection/],
  ];
  it.each(bad)('rejects %s', (spec, message) => {
    expect(() => loadRecipe(path, [spec])).toThrow(RecipeError);
    expect(loadError(path, [spec])).toMatch(message);
  });

  it('does not modify the object it is given', () => {
    const raw = baseObject();
    const before = JSON.stringify(raw);
    const { value, paths } = applyOverrides(raw, ['stages.general.steps=5']);
    expect(JSON.stringify(raw)).toBe(before);
    expect((value.stages as { steps?: number }[])[1].steps).toBe(5);
    expect(paths).toEqual([{ path: ['stages', 1, 'steps'], spec: 'stages.general.steps=5' }]);
    expect(parseOverride('a.b=~').value).toBeNull();
  });
});

describe('recipeToYaml', () => {
  it('round-trips: the saved recipe loads back to the same recipe', () => {
    const path = writeRecipe(BASE_YAML.replace('    task: sentiment\n    optimizer', '    task: sentiment\n    mapping: { attention: [[0, 1]] }\n    optimizer'));
    const r = loadRecipe(path, ['stages.1.losses=[attention]']);
    const text = recipeToYaml(r);
    expect(text.startsWith('# resolved tinybert recipe')).toBe(true);
    // Saved elsewhere: absolute paths keep meaning the same files.
    expect(loadRecipe(writeRecipe(text))).toEqual(r);
  });

  it('writes keys in schema order', () => {
    const text = recipeToYaml(loadRecipe(writeRecipe(BASE_YAML)));
    const top = text.split('\n').filter((l) => /^[a-z_]+:/.test(l)).map((l) => l.split(':')[0]);
    expect(top).toEqual(['name', 'seed', 'output_dir', 'backend', 'vocab', 'tasks', 'corpus', 'models', 'stages']);
    expect(text).toMatch(/- name: general\n {4}kind: general\n {4}teacher: teacher/);
  });
});

describe('recipeJsonSchema', () => {
  it('describes the input: strict objects, enums, descriptions', () => {
    const schema = recipeJsonSchema() as any;
    expect(schema.type).toBe('object');
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(['name', 'models', 'stages']);
    const stage = schema.properties.stages.items;
    expect(stage.additionalProperties).toBe(false);
    expect(stage.properties.kind.enum).toEqual(['pretrain', 'finetune', 'general', 'augment', 'task-intermediate', 'task-prediction']);
    expect(stage.properties.dynamic_padding.description).toMatch(/pad each batch/);
    expect(stringify(schema).length).toBeGreaterThan(1000);
  });
});
