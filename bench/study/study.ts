/**
 * `npm run study [-- flags]`: TinyBERT's evidence on our data (a bench of a few hours on 2 cores,
 * never a test). It runs recipes a user could run, in order, each resumable:
 *
 *   1. bench/study/pretrain.yaml   pre-train the NEZHA teacher (whole-word masking) on the study
 *                                  corpus, then general-distil the student from it
 *   2. bench/study/<task>.yaml     per task: fine-tune the teacher, augment, and train one student
 *                                  slot per ablation row (table.ts STUDY_ROWS)
 *
 * then measures the reference's step time at every task's shapes (../shared/bench/
 * torch_distill_step.py, Debian's python3-torch, same threads) and writes runs/study/study.{md,html,json}:
 * the ablation table and every stage's wall time next to the reference's projected time.
 * Stopping it (Ctrl-C, a lost machine) loses at most the current checkpoint interval: run it again.
 *
 * Flags: --tasks chnsenticorp,resume,ocnli,cmrc2018 (order = run order), --data DIR (../shared/data),
 * --threads N (2), --no-reference (skip the PyTorch timing), --table-only (no training: tables from
 * what the runs hold now).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeTextAtomic } from '../../src/util/fs.js';
import { buildCorpus } from './corpus.js';
import { studyHtml } from './html.js';
import { ablationTable, stageTable, stageTimes, taskResult, verdict, type ReferenceStep, type StudyTask } from './table.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const STUDY = join(ROOT, 'bench/study');
const RUNS = join(ROOT, 'runs/study');

/** The study's tasks and the shapes the reference would pad to (the recipes' batch size and max_seq_length). */
const TASKS: StudyTask[] = [
  { name: 'chnsenticorp', metric: 'accuracy', batchSize: 32, seqLength: 128 },
  { name: 'resume', metric: 'f1', batchSize: 32, seqLength: 128 },
  { name: 'ocnli', metric: 'accuracy', batchSize: 32, seqLength: 64 },
  { name: 'cmrc2018', metric: 'f1', batchSize: 16, seqLength: 256 },
];

const { values: flags } = parseArgs({
  options: {
    tasks: { type: 'string', default: TASKS.map((t) => t.name).join(',') },
    data: { type: 'string', default: join(ROOT, '../shared/data') },
    threads: { type: 'string', default: '2' },
    'no-reference': { type: 'boolean', default: false },
    'table-only': { type: 'boolean', default: false },
  },
});

/** The training subsets the task recipes read (runs/study/data); the full files stay in ../shared/data. */
function prepareData(data: string): void {
  const out = join(RUNS, 'data');
  // Rewritten whenever the subset below changes, so a run never trains on an older subset's file.
  const subset = (file: string, make: () => string) => {
    const text = make();
    const path = join(out, file);
    if (!existsSync(path) || readFileSync(path, 'utf8') !== text) writeTextAtomic(path, text);
  };
  const lines = (file: string) => readFileSync(join(data, file), 'utf8').split('\n').filter((l) => l.trim());
  subset('chnsenticorp/train.tsv', () => `${lines('chnsenticorp/train.tsv').slice(0, 2001).join('\n')}\n`); // header + the first 2,000 rows
  subset('ocnli/train.jsonl', () => `${lines('ocnli/train.10k.json').slice(0, 3000).join('\n')}\n`);
  type Squad = { version?: string; data: { title?: string; paragraphs: { context: string; qas: unknown[] }[] }[] };
  const firstQuestions = (file: string, n: number): string => {
    const squad = JSON.parse(readFileSync(join(data, file), 'utf8')) as Squad;
    let left = n;
    const articles: Squad['data'] = [];
    for (const article of squad.data) {
      if (left <= 0) break;
      const paragraphs = [];
      for (const p of article.paragraphs) {
        if (left <= 0) break;
        const qas = p.qas.slice(0, left);
        left -= qas.length;
        paragraphs.push({ ...p, qas });
      }
      articles.push({ ...article, paragraphs });
    }
    return `${JSON.stringify({ ...squad, data: articles })}\n`;
  };
  subset('cmrc2018/train.json', () => firstQuestions('cmrc2018/cmrc2018_train.json', Infinity));
  subset('cmrc2018/dev.json', () => firstQuestions('cmrc2018/cmrc2018_dev.json', 500));
}

/** Runs one recipe with the CLI a user runs; resumes what an earlier study run left. */
function distill(recipe: string, runDir: string): void {
  const resume = existsSync(join(runDir, 'log.jsonl')) ? ['--resume'] : [];
  process.stderr.write(`study: tinybert distill ${recipe} ${resume.join(' ')}\n`);
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/tinybert.js'), 'distill', recipe, ...resume], { stdio: 'inherit', cwd: ROOT });
  if (r.status !== 0) throw new Error(`tinybert distill ${recipe} exited with ${r.status ?? r.signal}`);
}

/** The reference's seconds per task-distillation step at one shape, measured now (cached per shape and thread count in runs/study). */
function referenceStep(batch: number, seq: number): ReferenceStep | undefined {
  const cache = join(RUNS, `reference-b${batch}-t${seq}-x${flags.threads}.json`);
  if (!existsSync(cache)) {
    const script = join(ROOT, '../shared/bench/torch_distill_step.py');
    if (!existsSync(script) || !existsSync('/usr/bin/python3')) return undefined;
    const teacher = JSON.parse(readFileSync(join(STUDY, 'teacher.json'), 'utf8')) as Record<string, number>;
    const student = JSON.parse(readFileSync(join(STUDY, 'student.json'), 'utf8')) as Record<string, number>;
    const args = [
      script, '--json', '--threads', flags.threads!, '--batch', String(batch), '--seq', String(seq), '--steps', '3', '--warmup', '1',
      '--teacher-layers', String(teacher.num_hidden_layers), '--teacher-hidden', String(teacher.hidden_size),
      '--teacher-heads', String(teacher.num_attention_heads), '--teacher-ffn', String(teacher.intermediate_size),
      '--max-rel', String(teacher.max_relative_position),
      '--student-layers', String(student.num_hidden_layers), '--student-hidden', String(student.hidden_size),
      '--student-heads', String(student.num_attention_heads), '--student-ffn', String(student.intermediate_size),
    ];
    process.stderr.write(`study: reference step at batch ${batch}, ${seq} tokens\n`);
    const r = spawnSync('/usr/bin/python3', args, { encoding: 'utf8' });
    if (r.status !== 0) {
      process.stderr.write(`study: the reference step did not run (${r.stderr.trim().split('\n').at(-1)}); no projection\n`);
      return undefined;
    }
    writeTextAtomic(cache, r.stdout.trim().split('\n').at(-1)!);
  }
  const j = JSON.parse(readFileSync(cache, 'utf8')) as { sec_per_step: { task_intermediate: number; task_prediction: number } };
  return { intermediate: j.sec_per_step.task_intermediate, prediction: j.sec_per_step.task_prediction };
}

async function main(): Promise<void> {
  const names = flags.tasks!.split(',').filter(Boolean);
  const tasks = names.map((n) => {
    const t = TASKS.find((x) => x.name === n);
    if (!t) throw new Error(`--tasks: unknown task "${n}"; the study has ${TASKS.map((x) => x.name).join(', ')}`);
    return t;
  });
  const data = resolve(flags.data!);
  if (!existsSync(data)) throw new Error(`--data: ${data} does not exist (the study reads ../shared/data)`);
  if (!flags['table-only']) {
    prepareData(data);
    buildCorpus(data, join(RUNS, 'corpus.txt'));
    distill(join(STUDY, 'pretrain.yaml'), join(RUNS, 'pretrain'));
    for (const t of tasks) distill(join(STUDY, `${t.name}.yaml`), join(RUNS, t.name));
  }
  await tables(tasks);
}

async function tables(tasks: StudyTask[]): Promise<void> {
  const useRef = !flags['no-reference'];
  const pretrainRef = useRef ? referenceStep(32, 128) : undefined;
  const results = tasks.filter((t) => existsSync(join(RUNS, t.name, 'log.jsonl'))).map((t) => taskResult(t, join(RUNS, t.name), useRef ? referenceStep(t.batchSize, t.seqLength) : undefined));
  const shared = stageTimes('pretrain', join(RUNS, 'pretrain'), pretrainRef);
  const v = verdict(results);
  const md = [
    '## Ablation (dev metric × 100)',
    '',
    ablationTable(results),
    '',
    `Distilled student beats labels-only on: ${v.beatsLabels.join(', ') || 'none'}; not on: ${v.losesToLabels.join(', ') || 'none'}. ` +
      `Average share of the teacher's metric: ${v.retention === undefined ? 'incomplete' : `${(100 * v.retention).toFixed(1)}%`}.`,
    '',
    '## Wall time per stage (reference: torch_distill_step.py step time at the same shapes, fixed padding, × steps)',
    '',
    stageTable([...shared, ...results.flatMap((r) => r.stages)]),
    '',
    '## Augmentation',
    '',
    ...results.filter((r) => r.augment).map((r) => {
      const a = r.augment as Record<string, number | { kept: number; dropped: number }>;
      const g = a.guard as { kept: number; dropped: number } | undefined;
      return `- ${r.task.name}: ${a.examples} examples, ${a.augmented} augmented copies written (${(100 * (a.changedShare as number)).toFixed(1)}% of drawn copies differ from their original)${g ? `, guard kept ${g.kept} and dropped ${g.dropped}` : ''}, ${(a.seconds as number).toFixed(0)} s`;
    }),
    '',
  ].join('\n');
  writeTextAtomic(join(RUNS, 'study.md'), md);
  writeTextAtomic(join(RUNS, 'study.html'), await studyHtml(results, md));
  writeTextAtomic(join(RUNS, 'study.json'), `${JSON.stringify({ results, shared, verdict: v }, null, 2)}\n`);
  process.stdout.write(`${md}\nstudy: ${join(RUNS, 'study.md')}\n`);
}

main().catch((e: Error) => {
  process.stderr.write(`study: ${e.message}\n`);
  process.exit(1);
});
