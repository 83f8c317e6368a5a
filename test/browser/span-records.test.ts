/**
 * The browser loader's predictRecords on a span export: [question, context] pairs give the records
 * `tinybert predict` gives for the same questions as JSON lines (the answer with its score and
 * character offsets), over windows shorter than the contexts; a single text is refused.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTfjsModel, predictRecords } from '../../src/browser/index.js';
import { predictModelDir } from '../../src/pipeline/evaluate.js';
import { TINY_CONFIG } from '../export/tiny.js';
import { serveTinyExports, type TinyExports } from '../helpers/tiny-exports.js';

const PAIRS: [string, string][] = [
  ['这是什么？', '我喜欢这部电影，这本书很好是我的。'],
  ['好不好？', '不好'],
  ['电影', '这部电影太差了，一般。'],
];

let tmp: string;
let baseUrl: string;
let site: TinyExports | undefined;

beforeAll(async () => {
  site = await serveTinyExports('tinybert-span-records-', { span: { ...TINY_CONFIG, architectures: undefined, id2label: undefined, head: 'span' } });
  ({ tmp, baseUrl } = site);
  writeFileSync(join(tmp, 'questions.jsonl'), `${PAIRS.map(([question, context]) => JSON.stringify({ question, context })).join('\n')}\n`);
}, 120_000);

afterAll(async () => {
  await site?.close();
});

describe('predictRecords on a span export', () => {
  it('[question, context] pairs give the answers, scores and offsets predict gives, over windows shorter than the contexts', async () => {
    const loaded = await loadTfjsModel(`${baseUrl}/span/`);
    const browser = predictRecords(loaded, PAIRS, { maxLength: 12 });
    const node = await predictModelDir<Record<string, unknown>>(join(tmp, 'span'), { input: join(tmp, 'questions.jsonl'), maxSeqLength: 12 });
    // The browser's inputs have no ids; everything else is the same record.
    const withoutId = (records: Record<string, unknown>[]) => records.map(({ id: _id, ...rest }) => rest);
    expect(withoutId(browser)).toEqual(withoutId(node));
    browser.forEach((r, i) => {
      expect(r.question).toBe(PAIRS[i]![0]);
      expect(PAIRS[i]![1].slice(r.start as number, r.end as number)).toBe(r.answer);
    });
    expect(() => predictRecords(loaded, ['一个问题'])).toThrow(/a span model answers a question about a context; got the single text "一个问题", expected \[question, context\]/);
    loaded.model.dispose();
  });
});
