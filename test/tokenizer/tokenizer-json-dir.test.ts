/**
 * tokenizer.json and special_tokens_map.json in every saved model directory and export, and a
 * directory (or --vocab) with only a tokenizer.json standing in for vocab.txt.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { exportModel } from '../../src/checkpoint/export.js';
import { loadModelDir, saveModelDir, vocabPath } from '../../src/checkpoint/model-dir.js';
import { DataError } from '../../src/errors.js';
import { predictModelDir } from '../../src/pipeline/evaluate.js';
import { BertTokenizer, tokenizerJson, tokenizeText } from '../../src/tokenizer/index.js';
import { ROOT } from '../helpers/shared.js';
import { TINY_VOCAB, tinyModel, writeVocab } from '../export/tiny.js';

let tmp: string;
let vocab: string;
let full: string;

beforeAll(async () => {
  await initBackend('cpu', { quiet: true });
  tmp = mkdtempSync(join(tmpdir(), 'tinybert-tokjson-dir-'));
  vocab = writeVocab(join(tmp, 'vocab'));
  full = join(tmp, 'full');
  const model = tinyModel();
  await saveModelDir(model, full, { vocab });
  model.dispose();
  writeFileSync(join(tmp, 'input.txt'), '这部电影很好!\n我不喜欢这本书。\n');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A copy of the saved model without vocab.txt (tokenizer.json only). */
async function jsonOnlyDir(name: string): Promise<string> {
  const dir = join(tmp, name);
  const model = loadModelDir(full).model;
  try {
    await saveModelDir(model, dir, { vocab: join(full, 'tokenizer.json') });
  } finally {
    model.dispose();
  }
  rmSync(join(dir, 'vocab.txt'));
  return dir;
}

describe('tokenizer files of a saved model directory', () => {
  it('saveModelDir writes tokenizer.json and special_tokens_map.json beside vocab.txt', () => {
    const tok = JSON.parse(readFileSync(join(full, 'tokenizer.json'), 'utf8'));
    expect(tok.model.type).toBe('WordPiece');
    expect(tok.model.vocab).toEqual(Object.fromEntries(TINY_VOCAB.map((t, i) => [t, i])));
    expect(tok.normalizer.lowercase).toBe(true);
    expect(JSON.parse(readFileSync(join(full, 'special_tokens_map.json'), 'utf8'))).toEqual({
      unk_token: '[UNK]', sep_token: '[SEP]', pad_token: '[PAD]', cls_token: '[CLS]', mask_token: '[MASK]',
    });
    expect(readFileSync(join(full, 'vocab.txt'), 'utf8')).toBe(readFileSync(vocab, 'utf8'));
  });

  it('every export format ships tokenizer.json and special_tokens_map.json', async () => {
    for (const format of ['safetensors', 'pytorch', 'tfjs'] as const) {
      const r = await exportModel(full, { out: join(tmp, `export-${format}`), format });
      expect(r.files, format).toEqual(expect.arrayContaining(['tokenizer.json', 'special_tokens_map.json', 'tokenizer_config.json', 'vocab.txt']));
    }
  });

  it('a cased vocabulary (doLowerCase false) writes lowercase false and strip_accents false', async () => {
    const model = loadModelDir(full).model;
    await saveModelDir(model, join(tmp, 'cased'), { vocab, doLowerCase: false });
    model.dispose();
    const tok = JSON.parse(readFileSync(join(tmp, 'cased', 'tokenizer.json'), 'utf8'));
    expect([tok.normalizer.lowercase, tok.normalizer.strip_accents]).toEqual([false, false]);
  });
});

describe('a model directory with tokenizer.json but no vocab.txt', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await jsonOnlyDir('json-only');
  });

  it('loads its tokenizer from tokenizer.json', () => {
    expect(existsSync(join(dir, 'vocab.txt'))).toBe(false);
    expect(loadModelDir(dir).vocabPath).toBe(join(dir, 'tokenizer.json'));
    expect(vocabPath(dir)).toBe(join(dir, 'tokenizer.json'));
    expect(BertTokenizer.fromVocabFile(vocabPath(dir)).tokenize('这部电影很好!')).toEqual(
      BertTokenizer.fromVocabFile(join(full, 'vocab.txt')).tokenize('这部电影很好!'),
    );
  });

  it('predicts what the directory with vocab.txt predicts', async () => {
    const input = join(tmp, 'input.txt');
    expect(await predictModelDir(dir, { input })).toEqual(await predictModelDir(full, { input }));
  });

  it('exports with a vocab.txt written from tokenizer.json', async () => {
    const out = join(tmp, 'export-from-json');
    await exportModel(dir, { out });
    expect(readFileSync(join(out, 'vocab.txt'), 'utf8')).toBe(`${TINY_VOCAB.join('\n')}\n`);
  });

  it('a directory with neither names both files in its DataError', () => {
    const none = mkdtempSync(join(tmp, 'no-vocab-'));
    expect(() => vocabPath(none)).toThrow(DataError);
    expect(() => vocabPath(none)).toThrow(`${none}: no vocab.txt or tokenizer.json`);
  });
});

describe('--vocab pointing at a tokenizer.json', () => {
  it('tinybert tokenize accepts a tokenizer.json and encodes as with vocab.txt', async () => {
    const a = await tokenizeText({ vocab: join(full, 'tokenizer.json'), text: '这部电影', pair: '很好' });
    const b = await tokenizeText({ vocab: join(full, 'vocab.txt'), text: '这部电影', pair: '很好' });
    expect(a).toEqual(b);
    expect(a.tokens).toEqual(['[CLS]', '这', '部', '电', '影', '[SEP]', '很', '好', '[SEP]']);
  });

  it('tinybert tokenize --vocab takes the casing of a cased tokenizer.json unless --lower-case is given', () => {
    const path = join(tmp, 'cased-tokenizer.json');
    writeFileSync(path, JSON.stringify(tokenizerJson(['[UNK]', '[CLS]', '[SEP]', 'A', 'a'], { doLowerCase: false })));
    const tokens = (...flags: string[]) => {
      const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'tinybert.js'), 'tokenize', '--vocab', path, '--json', ...flags, 'A'], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      return (JSON.parse(r.stdout) as { tokens: string[] }).tokens;
    };
    expect(tokens()).toEqual(['[CLS]', 'A', '[SEP]']);
    expect(tokens('--lower-case')).toEqual(['[CLS]', 'a', '[SEP]']);
  });
});
