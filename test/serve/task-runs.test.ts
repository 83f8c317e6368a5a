/**
 * Students a token-classification run and a span run trained (tiny models on slices of Resume NER
 * and CMRC 2018 when ../shared is present), exported for TF.js, reloaded in Node and in the browser:
 * `tinybert eval --predictions` on the TF.js export gives every dev token's tag and every dev
 * question's answer exactly as on the run's final checkpoint, and the serve page in headless
 * Chromium highlights the entities and answers `tinybert predict` gives on dev texts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportModel } from '../../src/checkpoint/export.js';
import { distill } from '../../src/pipeline/run.js';
import { loadRecipe } from '../../src/recipe/load.js';
import { describeChromium } from '../helpers/chromium.js';
import { tinybert } from '../helpers/cli.js';
import { expectClose } from '../helpers/close.js';
import { tinyNerRecipe } from '../pipeline/tiny-ner.js';
import { tinySpanRecipe } from '../pipeline/tiny-span.js';
import { askInPage, recordsWithCli, startServe, stopServes } from './page-check.js';

interface Entity {
  type: string;
  start: number;
  end: number;
  text: string;
}
interface Answer {
  answer: string;
  score: number;
  start: number | null;
  end: number | null;
}

const ner = { dir: '', dev: '', tfjs: '' };
const span = { dir: '', dev: '', tfjs: '', questions: 0 };

beforeAll(async () => {
  // Trained long enough that the student tags entities: an all-O student would make the page check say nothing.
  const n = tinyNerRecipe({ steps: 20 });
  await distill(loadRecipe(n.recipe, ['backend=cpu']), { quiet: true });
  ner.dir = n.dir;
  ner.dev = n.dev;
  ner.tfjs = join(n.dir, 'tfjs');
  await exportModel(join(n.dir, 'run'), { out: ner.tfjs, format: 'tfjs' });

  const s = tinySpanRecipe({ steps: 6 });
  await distill(loadRecipe(s.recipe, ['backend=cpu']), { quiet: true });
  span.dir = s.dir;
  span.dev = s.dev;
  span.questions = s.devQuestions;
  span.tfjs = join(s.dir, 'tfjs');
  await exportModel(join(s.dir, 'run'), { out: span.tfjs, format: 'tfjs' });
}, 600_000);

afterAll(() => stopServes());

/** `tinybert eval DIR --data DEV --json --predictions OUT`: the metrics and the predictions file. */
function evalWithCli(dir: string, dev: string, out: string): { metrics: Record<string, number>; predictions: string } {
  const r = tinybert('eval', dir, '--data', dev, '--json', '--predictions', out, '--backend', 'cpu');
  expect(r.code, r.stderr).toBe(0);
  return { metrics: JSON.parse(r.stdout) as Record<string, number>, predictions: readFileSync(out, 'utf8') };
}

describe('trained task students reload from their TF.js export in Node', () => {
  it('token classification: eval on the export tags every dev token as the run checkpoint does', () => {
    const fromRun = evalWithCli(join(ner.dir, 'run', 'tp', 'final'), ner.dev, join(ner.dir, 'run.conll'));
    const fromExport = evalWithCli(ner.tfjs, ner.dev, join(ner.dir, 'tfjs.conll'));
    expect(fromExport.predictions).toBe(fromRun.predictions);
    for (const k of ['precision', 'recall', 'f1']) expect(fromExport.metrics[k], k).toBe(fromRun.metrics[k]);
    // The student tags something other than O: the comparison covers entities, not just O.
    const predicted = fromRun.predictions.split('\n').filter(Boolean).map((l) => l.split(' ').at(-1));
    expect(predicted.some((t) => t !== 'O')).toBe(true);
  });

  it('span: eval on the export answers every dev question as the run checkpoint does', () => {
    const fromRun = evalWithCli(join(span.dir, 'run', 'tp', 'final'), span.dev, join(span.dir, 'run.json'));
    const fromExport = evalWithCli(span.tfjs, span.dev, join(span.dir, 'tfjs.json'));
    const answers = JSON.parse(fromRun.predictions) as Record<string, string>;
    expect(Object.keys(answers)).toHaveLength(span.questions);
    expect(JSON.parse(fromExport.predictions)).toEqual(answers);
    for (const k of ['em', 'f1']) expect(fromExport.metrics[k], k).toBe(fromRun.metrics[k]);
  });
});

describeChromium('trained task students in the serve page (headless Chromium)', () => {
  it('token classification: dev sentences get the entities tinybert predict gives; screenshot', async () => {
    // The dev sentences as plain text, one per line (Resume's jsonl holds characters; conll one token per line).
    const raw = readFileSync(ner.dev, 'utf8');
    const texts = ner.dev.endsWith('.json')
      ? raw.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { text: string[] }).text.join(''))
      : raw.split('\n\n').filter((s) => s.trim()).map((s) => s.split('\n').map((l) => l.split(' ')[0]).join(''));
    const records = recordsWithCli(ner.tfjs, `${texts.join('\n')}\n`) as { text: string; entities: Entity[] }[];
    const withEntities = records.filter((r) => r.entities.length > 0).slice(0, 3);
    expect(withEntities.length).toBeGreaterThan(0);
    const shown = await askInPage(await startServe(ner.tfjs), withEntities.map((r) => ({ '#ner-text': r.text })), 'serve-ner-trained.png');
    withEntities.forEach((r, i) => {
      expect(shown[i]!.errors, r.text).toEqual([]);
      expect(shown[i]!.marks, r.text).toEqual(r.entities.map((e) => ({ text: e.text, caption: e.type, start: e.start, end: e.end })));
    });
  });

  it('span: dev questions get the answers and scores tinybert predict gives; screenshot', async () => {
    const squad = JSON.parse(readFileSync(span.dev, 'utf8')) as { data: { paragraphs: { context: string; qas: { question: string }[] }[] }[] };
    const asks = squad.data.flatMap((a) => a.paragraphs.flatMap((p) => p.qas.map((q) => ({ question: q.question, context: p.context })))).slice(0, 3);
    const input = join(span.dir, 'questions.jsonl');
    writeFileSync(input, asks.map((a) => `${JSON.stringify(a)}\n`).join(''));
    const expected = recordsWithCli(span.tfjs, readFileSync(input, 'utf8')) as unknown as Answer[];
    const shown = await askInPage(await startServe(span.tfjs), asks.map((a) => ({ '#qa-question': a.question, '#qa-context': a.context })), 'serve-qa-trained.png');
    asks.forEach((a, i) => {
      const e = expected[i]!;
      expect(e.start, a.question).not.toBeNull();
      expect(shown[i]!.errors, a.question).toEqual([]);
      expect(shown[i]!.marks, a.question).toEqual([{ text: e.answer, caption: e.score.toFixed(4), start: e.start, end: e.end }]);
      expectClose([shown[i]!.score], [e.score], { atol: 1e-5, what: `${a.question}: page vs tinybert predict score` });
    });
  });
});
