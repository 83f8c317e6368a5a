/**
 * The report and the serve page on a real-data run: ChnSentiCorp reviews and a CLUECorpusSmall
 * slice with the 21128-word Chinese vocabulary (read from ../shared, never copied), all four
 * distillation stage kinds at a size that runs in seconds.
 */
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { exportModel } from '../../src/checkpoint/export.js';
import { distill } from '../../src/pipeline/run.js';
import { loadRecipe } from '../../src/recipe/load.js';
import type { ReportSummary } from '../../src/report/summary.js';
import { describeChromium } from '../helpers/chromium.js';
import { expectClose } from '../helpers/close.js';
import { DATA, describeData } from '../helpers/shared.js';
import { predictInPage, predictWithCli, startServe, stopServes } from '../serve/page-check.js';

let run: string;

function recipe(dir: string): string {
  const common = { vocab_size: 21128, max_position_embeddings: 64, hidden_dropout_prob: 0.1, attention_probs_dropout_prob: 0.1 };
  writeFileSync(join(dir, 'teacher.json'), JSON.stringify({ ...common, model_type: 'nezha', hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 64, max_relative_position: 16 }));
  writeFileSync(join(dir, 'student.json'), JSON.stringify({ ...common, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32 }));
  const path = join(dir, 'recipe.yaml');
  writeFileSync(
    path,
    `
name: chnsenticorp-small
seed: 3
output_dir: run
vocab: ${join(DATA, 'vocab', 'zh_vocab_21128.txt')}
tasks:
  chnsenticorp: { type: single, train: ${join(DATA, 'chnsenticorp', 'train.tsv')}, dev: ${join(DATA, 'chnsenticorp', 'dev.tsv')}, header: true, labels: ["0", "1"], max_seq_length: 64 }
corpus:
  clue: { path: ${join(DATA, 'corpus', 'CLUECorpusSmall_sampled.txt')}, max_seq_length: 64 }
models:
  teacher: { config: teacher.json }
  student: { config: student.json }
stages:
  - { name: general, kind: general, teacher: teacher, student: student, corpus: clue, steps: 10, batch_size: 16, log_every: 2 }
  - { name: finetune-teacher, kind: finetune, train: teacher, task: chnsenticorp, steps: 20, batch_size: 32, log_every: 2, optimizer: { name: adamw, lr: 2.0e-3 }, eval: { every: 10 } }
  - { name: task-intermediate, kind: task-intermediate, teacher: teacher, student: student, task: chnsenticorp, steps: 10, batch_size: 32, log_every: 2 }
  - { name: task-prediction, kind: task-prediction, teacher: teacher, student: student, task: chnsenticorp, steps: 20, batch_size: 32, log_every: 2, eval: { every: 10 } }
`,
  );
  return path;
}

describeData('report and serve on a real-data run (ChnSentiCorp)', () => {
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tb-real-'));
    await distill(loadRecipe(recipe(dir)), { quiet: true });
    run = join(dir, 'run');
    await exportModel(run, { out: join(run, 'tfjs'), format: 'tfjs' });
  });
  afterAll(() => stopServes());

  it('the report names every stage and loss term of the log and links nothing outside the file', () => {
    const html = readFileSync(join(run, 'report.html'), 'utf8');
    const log = readFileSync(join(run, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const stages = [...new Set(log.filter((r) => r.event === 'step').map((r) => String(r.stage)))];
    expect(stages).toEqual(['general', 'finetune-teacher', 'task-intermediate', 'task-prediction']);
    for (const stage of stages) {
      expect(html).toContain(`id="stage-${stage}"`);
      const terms = new Set(log.filter((r) => r.event === 'step' && r.stage === stage).flatMap((r) => Object.keys(r).filter((k) => k.startsWith('loss.'))));
      for (const t of terms) expect(html, `${stage}: ${t}`).toContain(t.slice('loss.'.length));
    }
    const rest = html.split('xmlns="http://www.w3.org/2000/svg"').join('').split('xmlns:xlink="http://www.w3.org/1999/xlink"').join('');
    expect(rest.match(/https?:\/\/\S{0,60}/gi) ?? []).toEqual([]);
    const summary = JSON.parse(readFileSync(join(run, 'report.json'), 'utf8')) as ReportSummary;
    expect(summary.models.map((m) => m.slot)).toEqual(['teacher', 'student']);
    expect(summary.models[1]!.params).toBeLessThan(summary.models[0]!.params);
  });

  describeChromium('the serve page', () => {
    it('a ChnSentiCorp dev review gets the label and probabilities tinybert predict gives; screenshot', async () => {
      const review = readFileSync(join(DATA, 'chnsenticorp', 'dev.tsv'), 'utf8').split('\n')[1]!.split('\t')[1]!;
      const tfjs = join(run, 'tfjs');
      const expected = predictWithCli(tfjs, review);
      const shown = await predictInPage(await startServe(tfjs), review, 'serve-chnsenticorp.png');
      expect(shown.errors).toEqual([]);
      expect(shown.label).toBe(expected.label);
      expectClose(Object.values(shown.probabilities), Object.values(expected.probabilities), { atol: 1e-5, what: 'page vs tinybert predict' });
      expect(shown.reportLink).toBe('report.html');
    });
  });
});
