import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { distill } from '../../src/pipeline/run.js';
import { loadRecipe } from '../../src/recipe/load.js';
import { ROOT } from '../helpers/shared.js';
import { tinyRecipe } from './tiny-run.js';

describe('the run log says which classifier a task stage uses', () => {
  it('logs classifier(relu(pooled)) for a config saying classifier_relu: true and the default rule for a keyless config', async () => {
    const { dir } = tinyRecipe();
    const recipe = join(dir, 'relu.yaml');
    const student = JSON.parse(readFileSync(join(ROOT, 'students', 'demo-tinybert.json'), 'utf8')) as object;
    writeFileSync(join(dir, 'relu.json'), JSON.stringify({ ...student, classifier_relu: true }));
    writeFileSync(recipe, `
name: relu
seed: 1
output_dir: run-relu
vocab: ${join(ROOT, 'recipes', 'demo', 'vocab.txt')}
tasks:
  reviews: { type: single, train: data/train.tsv, dev: data/dev.tsv, header: true, labels: ["0", "1"], max_seq_length: 16 }
models:
  shipped: { config: relu.json }
  keyless: { config: student.json }
stages:
  - { name: a, kind: finetune, train: shipped, task: reviews, steps: 1, batch_size: 4 }
  - { name: b, kind: finetune, train: keyless, task: reviews, steps: 1, batch_size: 4 }
`);
    await distill(loadRecipe(recipe), { quiet: true });
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const log = readFileSync(join(dir, 'run-relu', 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>);
    const said = Object.fromEntries(log.filter((e) => e.event === 'classifier').map((e) => [e.stage, e.message]));
    expect(said).toEqual({
      a: 'classifier(relu(pooled)), as TinyBertForSequenceClassification (classifier_relu: true in the config)',
      b: 'classifier(pooled), as BertForSequenceClassification (the config has no classifier_relu key; ' +
        'the default applies ReLU only to configs with fit_size and a classification head)',
    });
  });
});
