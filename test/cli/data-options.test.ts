/**
 * `eval` and `predict` read every format and column mapping a recipe task reads (--format,
 * --header, --text-a, --text-b, --label, --labels, --skip-labels, --label-alias), on the real CLUE
 * files in ../shared/data, with a tiny model made by `tinybert create` on the NEZHA vocabulary.
 * Their data errors name flags, not recipe fields.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DATA, describeData } from '../helpers/shared.js';
import { expectUserError, tinybert } from '../helpers/cli.js';

const VOCAB = join(DATA, 'vocab', 'zh_vocab_21128.txt');
const OCNLI = join(DATA, 'ocnli', 'dev.json');

interface Evaluation {
  examples: number;
  labels: string[];
  metrics: Record<string, number>;
}

function evaluate(model: string, ...args: string[]): Evaluation {
  const r = tinybert('eval', model, '--max-seq-length', '24', '--batch-size', '256', '--json', ...args);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Evaluation;
}

describeData('eval and predict on the real CLUE files', () => {
  let tmp: string;
  let binary: string;
  let nli: string;

  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'tb-data-options-'));
    const common = { model_type: 'bert', vocab_size: 21128, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32, max_position_embeddings: 64 };
    const configs: [string, Record<string, string>][] = [
      ['binary', { 0: '0', 1: '1' }],
      ['nli', { 0: 'entailment', 1: 'neutral', 2: 'contradiction' }],
    ];
    for (const [name, id2label] of configs) {
      writeFileSync(join(tmp, `${name}.json`), JSON.stringify({ ...common, id2label }));
      const r = tinybert('create', '--config', join(tmp, `${name}.json`), '--out', join(tmp, name), '--vocab', VOCAB);
      expect(r.code, r.stderr).toBe(0);
    }
    binary = join(tmp, 'binary');
    nli = join(tmp, 'nli');
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('eval reads a headerless pair file (AFQMC) without --text-b', () => {
    const r = evaluate(binary, '--data', join(DATA, 'afqmc', 'dev.txt'));
    expect(r.examples).toBe(4316);
    expect(Object.keys(r.metrics)).toEqual(['accuracy', 'f1', 'f1_macro', 'mcc']);
  });

  it('eval takes explicit pair columns by index (LCQMC --text-a 0 --text-b 1 --label 2)', () => {
    const r = evaluate(binary, '--data', join(DATA, 'lcqmc', 'dev.txt'), '--text-a', '0', '--text-b', '1', '--label', '2');
    expect(r.examples).toBe(8802);
  });

  it('a header row read as data says "give --header", not the recipe key', () => {
    const data = join(DATA, 'chnsenticorp', 'dev.tsv');
    expectUserError(
      tinybert('eval', binary, '--data', data, '--text-a', '1', '--label', '0'),
      /dev\.tsv:1: label "label" is not one of \["0","1"\] \(--labels\); is the first row a header\? give --header$/,
    );
    expect(evaluate(binary, '--data', data, '--header').examples).toBe(1200);
  });

  it('eval on OCNLI JSON lines: --text-a/--text-b name its keys, --skip-labels drops "-", three classes get f1_macro and no binary f1', () => {
    expectUserError(tinybert('eval', nli, '--data', OCNLI), /dev\.json:1: no key "text_a" \(--text-a\); keys: level, sentence1, sentence2, label/);
    expectUserError(
      tinybert('eval', nli, '--data', OCNLI, '--text-a', 'sentence1', '--text-b', 'sentence2'),
      /dev\.json:\d+: label "-" is not one of \["entailment","neutral","contradiction"\] \(--labels\)$/,
    );
    const text = tinybert('eval', nli, '--data', OCNLI, '--text-a', 'sentence1', '--text-b', 'sentence2', '--skip-labels=-', '--max-seq-length', '24', '--batch-size', '256');
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/: 2950 examples\n/);
    const metricLines = text.stdout.split('\n').filter((l) => /^ {2}\w+\s+-?\d\.\d{4}$/.test(l));
    expect(metricLines.map((l) => l.trim().split(/\s+/)[0])).toEqual(['accuracy', 'f1_macro', 'mcc']);
  }, 120_000);

  it('--label-alias maps the file\'s labels onto --labels', () => {
    const aliases = ['entailment=e', 'neutral=n', 'contradiction=c'].flatMap((a) => ['--label-alias', a]);
    const r = evaluate(nli, '--data', OCNLI, '--text-a', 'sentence1', '--text-b', 'sentence2', '--skip-labels=-', '--labels', 'e,n,c', ...aliases);
    expect(r.examples).toBe(2950);
    expect(r.labels).toEqual(['e', 'n', 'c']);
    expectUserError(
      tinybert('eval', nli, '--data', OCNLI, '--label-alias', 'entailment=yes'),
      /label alias entailment=yes: "yes" is not one of the labels \["entailment","neutral","contradiction"\] \(--labels\)/,
    );
    expectUserError(tinybert('eval', nli, '--data', OCNLI, '--label-alias', 'entailment'), /--label-alias: expected FROM=TO, got "entailment"/);
  });

  it('predict reads OCNLI sentence1/sentence2 JSON lines with --text-a/--text-b (labels ignored), --labels names the classes', () => {
    expectUserError(tinybert('predict', nli, '--input', OCNLI), /dev\.json:1: expected an object with a string "text_a"; keys: level, sentence1, .* \(name them with --text-a \/ --text-b\)/);
    expectUserError(tinybert('predict', nli, '--input', OCNLI, '--text-a', 'sentence1', '--labels', 'a,b'), /--labels: 2 labels given but the model has 3 classes/);
    const r = tinybert('predict', nli, '--input', OCNLI, '--text-a', 'sentence1', '--text-b', 'sentence2', '--labels', 'e,n,c', '--max-seq-length', '24', '--batch-size', '256');
    expect(r.code, r.stderr).toBe(0);
    const preds = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { text_a: string; text_b?: string; label: string; probabilities: object });
    expect(preds).toHaveLength(3000);
    expect(preds[0]).toMatchObject({ text_a: '身上裹一件工厂发的棉大衣,手插在袖筒里', text_b: '身上至少一件衣服' });
    expect(['e', 'n', 'c']).toContain(preds[0]!.label);
    expect(Object.keys(preds[0]!.probabilities)).toEqual(['e', 'n', 'c']);
  });

  it('predict reads a tsv with a header (ChnSentiCorp --header) and asks which columns hold the texts of a wider file (AFQMC)', () => {
    const senti = tinybert('predict', binary, '--input', join(DATA, 'chnsenticorp', 'dev.tsv'), '--header', '--max-seq-length', '24', '--batch-size', '256');
    expect(senti.code, senti.stderr).toBe(0);
    expect(senti.stdout.trim().split('\n')).toHaveLength(1200);
    expectUserError(
      tinybert('predict', binary, '--input', join(DATA, 'afqmc', 'dev.txt'), '--format', 'tsv'),
      /dev\.txt:1: 3 columns; say which hold the texts with --text-a \(and --text-b\)/,
    );
    const texts = tinybert('predict', binary, '--input', join(DATA, 'afqmc', 'dev.txt'), '--format', 'tsv', '--text-a', '0', '--text-b', '1', '--max-seq-length', '24', '--batch-size', '256');
    expect(texts.code, texts.stderr).toBe(0);
    const first = JSON.parse(texts.stdout.split('\n')[0]!) as { text_a: string; text_b: string };
    expect(first).toMatchObject({ text_a: '双十一花呗提额在哪', text_b: '里可以提花呗额度' });
  });
});
