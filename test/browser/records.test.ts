/**
 * The browser loader's predictRecords runs the one inference path of the export's task kind: the
 * browser code, run in Node over HTTP, gives the same records as `tinybert predict` on the model
 * directory, for a token-classification export (entities with character offsets, over windows)
 * and for a classification export.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTfjsModel, predictRecords } from '../../src/browser/index.js';
import { predictModelDir } from '../../src/pipeline/evaluate.js';
import { TINY_CONFIG, TINY_VOCAB } from '../export/tiny.js';
import { serveTinyExports, type TinyExports } from '../helpers/tiny-exports.js';

const TAGS = ['O', 'B-PER', 'I-PER', 'B-LOC', 'I-LOC'];
const TEXTS = ['我喜欢这部电影', '这本书很好是我的', '不好'];

let tmp: string;
let baseUrl: string;
let site: TinyExports | undefined;

beforeAll(async () => {
  site = await serveTinyExports('tinybert-records-', {
    ner: { ...TINY_CONFIG, architectures: undefined, head: 'token-classification', id2label: Object.fromEntries(TAGS.map((t, i) => [String(i), t])) },
    cls: TINY_CONFIG,
  });
  ({ tmp, baseUrl } = site);
  writeFileSync(join(tmp, 'texts.txt'), `${TEXTS.join('\n')}\n`);
}, 120_000);

afterAll(async () => {
  await site?.close();
});

describe('predictRecords in the browser loader', () => {
  it('a token-classification export gives the entities predict gives, over windows shorter than the texts', async () => {
    const loaded = await loadTfjsModel(`${baseUrl}/ner/`);
    expect(TINY_VOCAB.length).toBe(loaded.tokenizer?.vocab.size);
    const browser = predictRecords(loaded, TEXTS, { maxLength: 5 });
    loaded.model.dispose();
    const node = await predictModelDir<Record<string, unknown>>(join(tmp, 'ner'), { input: join(tmp, 'texts.txt'), maxSeqLength: 5 });
    expect(browser).toEqual(node);
    expect(browser.map((r) => r.text)).toEqual(TEXTS);
  });

  it('a classification export gives the labels and probabilities predict gives', async () => {
    const loaded = await loadTfjsModel(`${baseUrl}/cls/`);
    const browser = predictRecords(loaded, TEXTS);
    loaded.model.dispose();
    const node = await predictModelDir<Record<string, unknown>>(join(tmp, 'cls'), { input: join(tmp, 'texts.txt') });
    expect(browser.map((r) => r.label)).toEqual(node.map((r) => r.label));
    browser.forEach((r, i) => expect(r.score as number).toBeCloseTo(node[i]!.score as number, 5));
  });
});
