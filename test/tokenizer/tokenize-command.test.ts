/**
 * `tinybert tokenize`: the library function and the yargs command module around it.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import yargs from 'yargs';
import tokenizeCommand from '../../src/cli/commands/tokenize.js';
import { DataError } from '../../src/errors.js';
import { tokenizeText } from '../../src/tokenizer/index.js';
import { formatEncodingTable } from '../../src/tokenizer/tokenize-command.js';

const dir = mkdtempSync(join(tmpdir(), 'tinybert-tokenize-'));
const vocab = join(dir, 'vocab.txt');
writeFileSync(vocab, ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', '中', '文', 'ca', '##fe', 'Ca'].join('\n') + '\n');

async function run(args: string[]): Promise<string> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    await yargs(args).command(tokenizeCommand).strict().fail((msg, err) => {
      throw err ?? new Error(msg);
    }).parseAsync();
  } finally {
    spy.mockRestore();
  }
  return out;
}

afterEach(() => vi.restoreAllMocks());

describe('tokenizeText', () => {
  it('encodes a text and a pair with offsets', async () => {
    const enc = await tokenizeText({ vocab, text: '中 Café', pair: '文' });
    expect(enc.tokens).toEqual(['[CLS]', '中', 'ca', '##fe', '[SEP]', '文', '[SEP]']);
    expect(enc.offsets).toEqual([null, [0, 1], [2, 4], [4, 6], null, [0, 1], null]);
    expect(enc.tokenTypeIds).toEqual([0, 0, 0, 0, 0, 1, 1]);
  });

  it('lowerCase false and maxLength', async () => {
    expect((await tokenizeText({ vocab, text: 'Ca 中 文', lowerCase: false, maxLength: 4 })).tokens).toEqual([
      '[CLS]', 'Ca', '中', '[SEP]',
    ]);
  });

  it('rejects a missing vocab naming it, and a bad max length', async () => {
    const missing = join(dir, 'missing.txt');
    await expect(tokenizeText({ vocab: missing, text: 'a' })).rejects.toThrow(`vocabulary file ${missing} does not exist`);
    await expect(tokenizeText({ vocab, text: 'a', maxLength: 0 })).rejects.toThrow(DataError);
  });

  it('table shows ids, types, offsets and the source slice', () => {
    const table = formatEncodingTable(
      { tokens: ['[CLS]', 'ca', '[SEP]'], inputIds: [2, 7, 3], tokenTypeIds: [0, 0, 0], attentionMask: [1, 1, 1],
        offsets: [null, [0, 2], null], segment: [-1, 0, -1], length: 3 },
      { a: 'Ca' },
    );
    expect(table.split('\n')[0]).toMatch(/^#\s+id\s+type\s+offsets\s+token\s+source$/);
    expect(table.split('\n')[2]).toMatch(/^1\s+7\s+0\s+a:0-2\s+ca\s+"Ca"$/);
    expect(table).toContain('3 tokens');
  });
});

describe('tinybert tokenize', () => {
  it('--json prints one JSON encoding', async () => {
    const out = await run(['tokenize', '--vocab', vocab, '--json', '--pair', '文', '中']);
    const enc = JSON.parse(out) as { inputIds: number[]; tokenTypeIds: number[] };
    expect(enc.inputIds).toEqual([2, 5, 3, 6, 3]);
    expect(enc.tokenTypeIds).toEqual([0, 0, 0, 1, 1]);
  });

  it('prints a table by default; --no-lower-case and --max-length reach the tokenizer', async () => {
    const out = await run(['tokenize', '--vocab', vocab, '--no-lower-case', '--max-length', '3', 'Ca 中']);
    expect(out).toContain('Ca');
    expect(out).toContain('3 tokens');
    expect(out).not.toContain('中"');
  });

  it('requires --vocab and the text', async () => {
    await expect(run(['tokenize', '中'])).rejects.toThrow(/vocab/);
    await expect(run(['tokenize', '--vocab', vocab])).rejects.toThrow(/not enough non-option arguments/i);
  });
});
