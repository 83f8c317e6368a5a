/**
 * The study (bench/study, `npm run study`): its recipes load as a user's would and give every
 * ablation row the same training budget, and its tables read what a run folder holds. The study
 * itself takes hours and runs outside the suite.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sentencesOf } from '../../bench/study/corpus.js';
import { studyHtml } from '../../bench/study/html.js';
import { ablationTable, STUDY_ROWS, stageTable, taskResult, verdict, type StudyTask } from '../../bench/study/table.js';
import { loadRecipe } from '../../src/recipe/index.js';
import { ROOT } from '../helpers/shared.js';

const STUDY = join(ROOT, 'bench/study');
const TASK_RECIPES = ['chnsenticorp', 'resume', 'ocnli', 'cmrc2018'];

describe('study recipes', () => {
  it('every recipe in bench/study loads', () => {
    const files = readdirSync(STUDY).filter((f) => f.endsWith('.yaml'));
    expect(files.sort()).toEqual([...TASK_RECIPES, 'pretrain'].map((n) => `${n}.yaml`).sort());
    for (const f of files) expect(loadRecipe(join(STUDY, f)).name).toBe(`study-${f.replace(/\.yaml$/, '')}`);
  });

  it.each(TASK_RECIPES)('%s: every row trains its own slot, with the same steps as the full pipeline', (name) => {
    const r = loadRecipe(join(STUDY, `${name}.yaml`));
    const byName = new Map(r.stages.map((s) => [s.name, s]));
    for (const row of STUDY_ROWS) {
      if (row.optional && !row.stages.some((st) => byName.has(st))) continue;
      for (const stage of row.stages) {
        const s = byName.get(stage);
        expect(s, `${name}: stage ${stage}`).toBeDefined();
        expect(s!.train ?? s!.student).toBe(row.slot);
      }
    }
    const steps = (n: string) => byName.get(n)!.steps;
    expect(steps('no-gd-ti')).toBe(steps('full-ti'));
    expect(steps('no-aug-ti')).toBe(steps('full-ti'));
    for (const tp of ['no-gd-tp', 'no-ti-tp', 'no-aug-tp']) expect(steps(tp)).toBe(steps('full-tp'));
    for (const labels of ['labels', 'labels-gd']) expect(steps(labels)).toBe(steps('full-ti')! + steps('full-tp')!);
    // Students read only the task's own training file and its augmentations; the teacher may have
    // been fine-tuned on more labels than they see.
    for (const s of r.stages) if (s.train !== 'teacher') expect(s.task, `${name}: stage ${s.name}`).toMatch(new RegExp(`^${name}(-aug(-unguarded)?)?$`));
    // Augmented rows read the augment stage's task, no-aug the original file.
    expect(byName.get('full-tp')!.task).toBe(`${name}-aug`);
    expect(byName.get('no-aug-tp')!.task).toBe(name);
    // The unguarded row, where a recipe has it: the same steps, on an augmentation without the guard.
    if (byName.has('no-guard-tp')) {
      expect(steps('no-guard-ti')).toBe(steps('full-ti'));
      expect(steps('no-guard-tp')).toBe(steps('full-tp'));
      const guarded = r.stages.find((s) => s.kind === 'augment' && s.output === byName.get('full-tp')!.task)!;
      const unguarded = r.stages.find((s) => s.kind === 'augment' && s.output === byName.get('no-guard-tp')!.task)!;
      expect(guarded.guard).toBeDefined();
      expect(unguarded.guard).toBeUndefined();
      for (const k of ['model', 'task', 'copies', 'p', 'candidates'] as const) expect(unguarded[k]).toEqual(guarded[k]);
    }
  });
});

describe('study corpus', () => {
  it('splits documents into sentences after Chinese and Latin end marks and at line breaks', () => {
    expect(sentencesOf('今天很好。明天呢？好!\n第二行')).toEqual(['今天很好。', '明天呢？', '好!', '第二行']);
    expect(sentencesOf('没有句号')).toEqual(['没有句号']);
    expect(sentencesOf('\n\n')).toEqual([]);
  });
});

describe('study tables', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  /** A run folder as tinybert leaves it: recipe.yaml, log.jsonl, summary.json. */
  function fakeRun(scores: Record<string, number>): string {
    const dir = mkdtempSync(join(tmpdir(), 'study-'));
    dirs.push(dir);
    const stages = STUDY_ROWS.flatMap((r) => r.stages);
    const kind = (s: string) => (s.endsWith('-ti') ? 'task-intermediate' : s.endsWith('-tp') ? 'task-prediction' : 'finetune');
    writeFileSync(join(dir, 'recipe.yaml'), `name: x\nstages:\n${stages.map((s) => `  - name: ${s}\n    kind: ${kind(s)}\n`).join('')}`);
    const log = stages.map((s) => JSON.stringify({ event: 'stage-end', stage: s, steps: 10, seconds: 5 }));
    log.push(JSON.stringify({ event: 'augment', stage: 'augment', examples: 4, augmented: 6, changedShare: 0.75, seconds: 2 }));
    writeFileSync(join(dir, 'log.jsonl'), `${log.join('\n')}\n`);
    const models = STUDY_ROWS.map((r) => ({ slot: r.slot, params: r.slot === 'teacher' ? 8e6 : 5e6, scores: { accuracy: scores[r.slot] } }));
    writeFileSync(join(dir, 'summary.json'), JSON.stringify({ models }));
    return dir;
  }
  const task = (name: string): StudyTask => ({ name, metric: 'accuracy', batchSize: 32, seqLength: 128 });
  const base = { teacher: 0.9, full: 0.85, 'no-gd': 0.8, 'no-ti': 0.82, 'no-aug': 0.83, 'labels-gd': 0.8, labels: 0.7, 'no-guard': 0.84 };

  it('reads every row and projects the reference time of the distillation stages only', () => {
    const r = taskResult(task('a'), fakeRun(base), { intermediate: 2, prediction: 3 });
    expect(Object.keys(r.models).sort()).toEqual(STUDY_ROWS.map((x) => x.slot).sort());
    expect(r.models.full!.seconds).toBe(10);
    expect(r.models['no-ti']!.seconds).toBe(5);
    const bySt = new Map(r.stages.map((s) => [s.stage, s]));
    expect(bySt.get('full-ti')!.referenceSeconds).toBe(20);
    expect(bySt.get('full-tp')!.referenceSeconds).toBe(30);
    expect(bySt.get('teacher')!.referenceSeconds).toBeUndefined();
    expect(stageTable(r.stages)).toContain('| a | full-tp | task-prediction | 10 | 5 s | 30 s | 6.00× |');
  });

  it('averages over tasks, and judges the distilled student against the better labels-only row', () => {
    const a = taskResult(task('a'), fakeRun(base), undefined);
    const b = taskResult(task('b'), fakeRun({ ...base, full: 0.6, 'labels-gd': 0.65 }), undefined);
    const table = ablationTable([a, b]);
    expect(table).toContain('| teacher (NEZHA 4L-256) | 90.0 | 90.0 | 90.0 | 100.0% | 8.00 M |');
    expect(table).toContain('| student: GD → aug → TD-int → TD-pred | 85.0 | 60.0 | 72.5 | 80.6% | 5.00 M |');
    const v = verdict([a, b]);
    expect(v.beatsLabels).toEqual(['a']);
    expect(v.losesToLabels).toEqual(['b']);
    expect(v.retention).toBeCloseTo(0.725 / 0.9, 10);
  });

  it('reads a run still going: the kept checkpoint of each finished row, not its last evaluation', () => {
    const dir = fakeRun(base);
    rmSync(join(dir, 'summary.json'));
    const end = { event: 'stage-end', stage: 'full-tp', steps: 10, seconds: 5, scores: { accuracy: 0.5 }, best: { metric: 'accuracy', value: 0.86, step: 4 } };
    writeFileSync(join(dir, 'log.jsonl'), `${readFileSync(join(dir, 'log.jsonl'), 'utf8')}${JSON.stringify(end)}\n`);
    const r = taskResult(task('a'), dir, undefined);
    expect(r.models.full!.metrics).toEqual({ accuracy: 0.86 });
    expect(r.models.full!.seconds).toBe(10);
  });

  it('leaves out an optional row no task ran, and shows "-" where only some tasks ran it', () => {
    const withGuardRow = taskResult(task('a'), fakeRun(base), undefined);
    const dir = fakeRun(base);
    const recipe = readFileSync(join(dir, 'recipe.yaml'), 'utf8').replace(/  - name: no-guard-t[ip]\n    kind: [a-z-]+\n/g, '');
    writeFileSync(join(dir, 'recipe.yaml'), recipe);
    writeFileSync(join(dir, 'log.jsonl'), readFileSync(join(dir, 'log.jsonl'), 'utf8').split('\n').filter((l) => !l.includes('no-guard')).join('\n'));
    const without = taskResult(task('b'), dir, undefined);
    expect(without.models['no-guard']).toBeUndefined();
    const guardLabel = STUDY_ROWS.find((r) => r.slot === 'no-guard')!.label;
    expect(ablationTable([without])).not.toContain(guardLabel);
    const both = ablationTable([withGuardRow, without]).split('\n').find((l) => l.includes(guardLabel))!;
    expect(both.split('|').map((c) => c.trim()).slice(1, 4)).toEqual([guardLabel, '84.0', '-']);
  });

  it('leaves the retention open while a task lacks its teacher or student', () => {
    const a = taskResult(task('a'), fakeRun(base), undefined);
    const { full: _, ...noFull } = base;
    const b = taskResult(task('b'), fakeRun(noFull as Record<string, number>), undefined);
    expect(verdict([a, b]).retention).toBeUndefined();
  });

  it('draws the page: a bar per row and task, the tables as HTML, nothing fetched', async () => {
    const a = taskResult(task('a'), fakeRun(base), undefined);
    const md = ['## Ablation', '', ablationTable([a]), '', '- a: 4 examples'].join('\n');
    const html = await studyHtml([a], md);
    expect(html).toContain('<svg');
    expect(html.match(/aria-roledescription="bar"/g)).toHaveLength(STUDY_ROWS.length);
    expect(html).toContain('<td>student: GD → aug → TD-int → TD-pred</td><td>85.0</td>');
    expect(html).toContain('<li>a: 4 examples</li>');
    const urls = [...html.matchAll(/(?:href|src)="([^"]+)"|url\(([^)]+)\)/g)].map((m) => m[1] ?? m[2]);
    expect(urls.filter((u) => /^(https?:)?\/\//.test(u!))).toEqual([]);
  });
});

