/**
 * transformers.js (`@huggingface/transformers`, on onnxruntime-node) loads an `export --format onnx`
 * folder from a local path with remote models disabled, and its pipelines predict what tinybert
 * predicts: text-classification probabilities equal `predictModelDir`'s within 1e-4,
 * token-classification gives our per-token labels and scores and the entities `tinybert predict`
 * prints, question-answering our decoded answer and the one `tinybert predict` prints. `dtype: 'q8'` loads onnx/model_quantized.onnx. BERT and NEZHA positions each.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { AutoTokenizer, env, pipeline } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { predictModelDir } from '../../src/pipeline/evaluate.js';
import { decodeSpans, spanFeatures, type SpanExample } from '../../src/tasks/span/index.js';
import { chunks } from '../../src/tasks/token-classification/tags.js';
import { BertTokenizer } from '../../src/tokenizer/index.js';
import { expectClose } from '../helpers/close.js';
import { exportCase, ONNX_CASES, ourLogits, softmax, type ExportedCase, type OnnxHead } from './onnx-models.js';

let models: string;
const exported = new Map<string, ExportedCase>();

beforeAll(async () => {
  await initBackend('cpu', { quiet: true });
  models = mkdtempSync(join(tmpdir(), 'tinybert-onnx-transformers-'));
  for (const c of ONNX_CASES) exported.set(c.name, await exportCase(models, c));
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = `${models}/`;
});
afterAll(() => {
  for (const e of exported.values()) e.model.dispose();
  rmSync(models, { recursive: true, force: true });
});

const TEXTS = ['我喜欢这部电影', '这本书太差了!', '电影还行一般。', '很好'];
const caseOf = (head: OnnxHead, positions: 'bert' | 'nezha') => exported.get(`${positions} ${head}`)!;

/** Our encoding of one text (or pair) and the model's logits for it, [1, T, ...] flat. */
function ours(e: ExportedCase, a: string, b?: string) {
  const tokenizer = BertTokenizer.fromVocabFile(join(e.out, 'tokenizer.json'));
  const enc = tokenizer.encode(a, b ?? null);
  const T = enc.inputIds.length;
  return { enc, logits: ourLogits(e.model, { B: 1, T, inputIds: enc.inputIds, tokenTypeIds: enc.tokenTypeIds, attentionMask: enc.attentionMask }) };
}

describe('the exported tokenizer files in transformers.js', () => {
  it('tokenizer_config.json names the special tokens: transformers.js finds [SEP] and [PAD] and pads a batch', async () => {
    const tokenizer = await AutoTokenizer.from_pretrained(basename(caseOf('span', 'bert').out), { local_files_only: true });
    expect([tokenizer.pad_token_id, tokenizer.unk_token_id, tokenizer.sep_token_id, tokenizer.mask_token_id]).toEqual([0, 1, 3, 4]);
    const batch = tokenizer(['很好', '这本书太差了'], { padding: true, return_tensor: false }) as unknown as { input_ids: number[][] };
    expect(batch.input_ids[0]).toEqual([2, 7, 5, 3, 0, 0, 0, 0]);
  });
});

for (const positions of ['bert', 'nezha'] as const) {
  describe(`transformers.js pipelines on the ${positions} exports`, () => {
    it('text-classification: probabilities of every label equal tinybert predict within 1e-4', async () => {
      const e = caseOf('classification', positions);
      const input = join(models, `${positions}-input.txt`);
      writeFileSync(input, `${TEXTS.join('\n')}\n`);
      const want = await predictModelDir(e.source, { input });
      const classify = await pipeline('text-classification', basename(e.out), { local_files_only: true });
      const got = (await classify(TEXTS, { top_k: null })) as unknown as { label: string; score: number }[][];
      const labels = Object.keys(want[0]!.probabilities!);
      const row = (scores: { label: string; score: number }[]) => labels.map((l) => scores.find((s) => s.label === l)!.score);
      expectClose(got.flatMap(row), want.flatMap((p) => labels.map((l) => p.probabilities![l]!)), { atol: 1e-4, what: 'probabilities' });
      expect(got.map((g) => g[0]!.label)).toEqual(want.map((p) => p.label));
      await classify.dispose();
    });

    it('text-classification with dtype q8 loads model_quantized.onnx: top labels of tinybert, probabilities within 0.05', async () => {
      const e = caseOf('classification', positions);
      const input = join(models, `${positions}-input-q8.txt`);
      writeFileSync(input, `${TEXTS.join('\n')}\n`);
      const want = await predictModelDir(e.source, { input });
      const classify = await pipeline('text-classification', basename(e.out), { local_files_only: true, dtype: 'q8' });
      const got = (await classify(TEXTS, { top_k: null })) as unknown as { label: string; score: number }[][];
      const labels = Object.keys(want[0]!.probabilities!);
      const errors = got.flatMap((g, i) => labels.map((l) => Math.abs(g.find((s) => s.label === l)!.score - want[i]!.probabilities![l]!)));
      process.stderr.write(`${positions} q8 classification: max |probability error| ${Math.max(...errors).toFixed(4)}\n`);
      expect(Math.max(...errors)).toBeLessThan(0.05);
      await classify.dispose();
    });

    it('token-classification: every token gets our argmax label and its probability within 1e-4', async () => {
      const e = caseOf('token-classification', positions);
      const labels = e.model.config.labels;
      const tag = await pipeline('token-classification', basename(e.out), { local_files_only: true });
      for (const text of TEXTS) {
        const { enc, logits } = ours(e, text);
        const K = labels.length;
        const got = (await tag(text, { ignore_labels: [] })) as unknown as { entity: string; score: number; index: number }[];
        const real = enc.tokens.map((t, j) => [t, j] as const).filter(([t]) => t !== '[CLS]' && t !== '[SEP]');
        expect(got.map((g) => g.index)).toEqual(real.map(([, j]) => j));
        for (const g of got) {
          const probs = softmax(logits.subarray(g.index * K, (g.index + 1) * K));
          const best = probs.indexOf(Math.max(...probs));
          expect(g.entity, `${text} token ${g.index}`).toBe(labels[best]);
          expect(Math.abs(g.score - probs[best]!)).toBeLessThan(1e-4);
        }
      }
      await tag.dispose();
    });

    it('token-classification: the entities of its tags are the ones tinybert predict prints', async () => {
      const e = caseOf('token-classification', positions);
      const input = join(models, `${positions}-ner-input.txt`);
      writeFileSync(input, `${TEXTS.join('\n')}\n`);
      const want = (await predictModelDir(e.source, { input })) as unknown as { text: string; entities: { type: string; start: number; end: number; text: string }[] }[];
      const tag = await pipeline('token-classification', basename(e.out), { local_files_only: true });
      for (const [i, text] of TEXTS.entries()) {
        // Every character of these texts is one token, so token indices are character offsets.
        const got = (await tag(text, { ignore_labels: [] })) as unknown as { entity: string }[];
        expect(got).toHaveLength([...text].length);
        const entities = chunks(got.map((g) => g.entity)).map(({ type, start, end }) => ({ type, start, end, text: text.slice(start, end) }));
        expect(entities, text).toEqual(want[i]!.entities);
      }
      await tag.dispose();
    });

    it('question-answering: the answer is the one tinybert decodes from the same logits', async () => {
      const e = caseOf('span', positions);
      const tokenizer = BertTokenizer.fromVocabFile(join(e.out, 'tokenizer.json'));
      const qa = await pipeline('question-answering', basename(e.out), { local_files_only: true });
      const examples: SpanExample[] = [
        ['喜欢什么', '我喜欢这部电影不喜欢这本书。'],
        ['书好不好', '这本书太差了!电影还行'],
        ['是什么', '一部很棒的电影'],
      ].map(([question, context], i) => ({ id: `q${i}`, question: question!, context: context!, answers: [], gold: [] }));
      const { features } = spanFeatures(examples, tokenizer, { max_seq_length: 32, doc_stride: 16, max_query_length: 16 });
      const logits = features.map((f) => {
        const out = ourLogits(e.model, { B: 1, T: f.inputIds.length, inputIds: f.inputIds, tokenTypeIds: f.tokenTypeIds, attentionMask: f.attentionMask });
        return { start: out.filter((_, i) => i % 2 === 0), end: out.filter((_, i) => i % 2 === 1) };
      });
      const want = decodeSpans(examples, features, logits, { n_best_size: 20, max_answer_length: 30 });
      for (const [i, ex] of examples.entries()) {
        const got = (await qa(ex.question, ex.context)) as unknown as { answer: string; score: number };
        // transformers.js decodes the answer's tokens (spaces between CJK characters); tinybert slices the context.
        expect(got.answer.replace(/\s+/g, ''), ex.question).toBe(want[i]!.text.replace(/\s+/g, ''));
        expect(want[i]!.text).not.toBe('');
      }
      // tinybert predict on the same questions (JSON lines) gives the same answers.
      const input = join(models, `${positions}-qa-input.jsonl`);
      writeFileSync(input, examples.map((ex) => JSON.stringify({ id: ex.id, question: ex.question, context: ex.context })).join('\n') + '\n');
      const predicted = (await predictModelDir(e.source, { input })) as unknown as { answer: string }[];
      expect(predicted).toHaveLength(examples.length);
      for (const [i, ex] of examples.entries()) {
        const got = (await qa(ex.question, ex.context)) as unknown as { answer: string };
        expect(got.answer.replace(/\s+/g, ''), `${ex.question} (tinybert predict)`).toBe(predicted[i]!.answer.replace(/\s+/g, ''));
      }
      await qa.dispose();
    });
  });
}
