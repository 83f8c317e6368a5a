import cliProgress from 'cli-progress';
import type { CommandModule } from 'yargs';
import { augment, augmentOptionsSchema, type AugmentOptions, type AugmentSummary } from '../../augment/index.js';
import { initBackend } from '../../backend/select.js';
import { show, UsageError } from '../../errors.js';
import { numberOption, readerOptions, withDataOptions, type DataArgs } from '../options.js';

interface Args extends DataArgs {
  model: string;
  data: string;
  out: string;
  kind?: AugmentOptions['kind'];
  copies?: number;
  seed?: number;
  shard?: string;
  p?: number;
  candidates?: number;
  'whole-word'?: boolean;
  'word-vectors'?: string;
  'stop-words'?: string;
  'guard-model'?: string;
  guard?: string;
  'masks-per-row'?: number;
  'batch-size'?: number;
  'max-seq-length'?: number;
  chunk?: number;
  resume?: boolean;
  overwrite?: boolean;
  json: boolean;
  backend?: string;
}

/** "(default X)" from the options schema, where the default lives. */
function byDefault(key: keyof typeof augmentOptionsSchema.shape): string {
  return `(default ${JSON.stringify(augmentOptionsSchema.shape[key].parse(undefined))})`;
}

/** `--shard I/N` (e.g. `--shard "$JOB_COMPLETION_INDEX/8"`). */
export function parseShard(v: string | undefined): { index: number; count: number } | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(v.trim());
  if (!m || Number(m[1]) >= Number(m[2])) throw new UsageError(`--shard: expected I/N with 0 <= I < N (e.g. 0/4), got ${show(v)}`);
  return { index: Number(m[1]), count: Number(m[2]) };
}

/** `--guard agree` or `--guard confidence:0.9`. */
export function parseGuard(v: string | undefined): AugmentOptions['guard'] {
  if (v === undefined || v === 'agree') return v;
  const m = /^confidence:(.+)$/.exec(v);
  const t = m ? Number(m[1]) : NaN;
  if (!(t > 0 && t <= 1)) throw new UsageError(`--guard: expected agree or confidence:τ with 0 < τ <= 1, got ${show(v)}`);
  return { confidence: t };
}

function report(s: AugmentSummary): string {
  const lines = [
    `${s.out} (shard ${s.shard}): ${s.examples} examples → ${s.written} records (${s.augmented} augmented copies) in ${s.seconds.toFixed(1)} s`,
    `  examples with candidates ${s.withCandidates}; copies drawn identical to the original ${s.identical}, duplicates ${s.duplicates}; changed share ${s.changedShare.toFixed(3)}`,
    `  masked-LM forward passes ${s.forwardPasses} (${s.maskedRows} rows)`,
  ];
  if (s.guard) lines.push(`  guard: kept ${s.guard.kept}, dropped ${s.guard.dropped}`);
  return `${lines.join('\n')}\n`;
}

const command: CommandModule<object, Args> = {
  command: 'augment',
  describe: 'Augment task data with masked-LM replacements (TinyBERT data augmentation, Chinese-aware), in the file\'s own format',
  builder: (y) =>
    withDataOptions(
      y
        .option('model', { type: 'string', demandOption: true, describe: 'Model directory with a masked-LM head (mlm / pretraining): the pre-trained teacher, not the fine-tuned one' })
        .option('data', { type: 'string', demandOption: true, describe: 'Data file to augment' })
        .option('out', { type: 'string', demandOption: true, describe: 'Output file (same format); OUT.progress.json, OUT.stats.jsonl and OUT.summary.json beside it' })
        .option('kind', { choices: ['classification', 'token-classification', 'span'] as const, describe: `Task kind of the file ${byDefault('kind')}` }),
      true,
    )
      // The label options matter here only for the guard and for rows left as they are.
      .option('labels', { type: 'string', describe: 'Class names in class-id order, comma-separated, as the file writes them (guard only; default: the guard model\'s id2label)' })
      .option('skip-labels', { type: 'string', array: true, describe: 'Rows with this label are written once, not augmented (repeatable)' })
      .option('copies', numberOption(`Augmented copies drawn per example, before duplicates are dropped ${byDefault('copies')}`, { integer: true, min: 0 }))
      .option('seed', numberOption(`Seed; example i always draws from stream (seed, i) ${byDefault('seed')}`, { integer: true, min: 0 }))
      .option('shard', { type: 'string', describe: 'I/N: augment only shard I of N (contiguous chunks); outputs concatenated in index order equal the unsharded output' })
      .option('p', numberOption(`Replacement probability per unit ${byDefault('p')}`, { min: 0 }))
      .option('candidates', numberOption(`Candidates per unit ${byDefault('candidates')}`, { integer: true, min: 1 }))
      .option('whole-word', { type: 'boolean', describe: 'Replace whole Chinese words (jieba) by same-length masked-LM predictions or word-vector neighbours' })
      .option('word-vectors', { type: 'string', describe: 'GloVe / word2vec text file: nearest neighbours for multi-piece words and the whole words it has' })
      .option('stop-words', { type: 'string', describe: 'File of words never replaced, one per line' })
      .option('guard-model', { type: 'string', describe: 'Fine-tuned classifier: keep an augmented copy only if it passes --guard (classification only)' })
      .option('guard', { type: 'string', describe: 'agree: the guard predicts the original label; confidence:0.9: gives it probability >= 0.9 (default agree)' })
      .option('masks-per-row', numberOption(`Units masked together in one masked-LM row; 1 reproduces the reference's candidates ${byDefault('masksPerRow')}`, { integer: true, min: 1 }))
      .option('batch-size', numberOption(`Masked-LM rows per forward pass ${byDefault('batchSize')}`, { integer: true, min: 1 }))
      .option('max-seq-length', numberOption(`Tokens per masked-LM row; longer texts are windowed ${byDefault('maxSeqLength')}`, { integer: true, min: 32 }))
      .option('chunk', numberOption(`Examples augmented and written together: the unit of progress and of shards ${byDefault('chunk')}`, { integer: true, min: 1 }))
      .option('resume', { type: 'boolean', describe: 'Continue a killed run on the same --out (same options)' })
      .option('overwrite', { type: 'boolean', describe: 'Replace an output an earlier augment wrote (never another file)' })
      .option('json', { type: 'boolean', default: false, describe: 'Print the summary as JSON' }),
  handler: async (a) => {
    await initBackend(a.backend, { quiet: true });
    const { names, ...data } = readerOptions(a);
    const bar = process.stderr.isTTY ? new cliProgress.SingleBar({ format: 'augment {bar} {value}/{total} examples | ETA {eta_formatted}', stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic) : undefined;
    let started = false;
    try {
      const summary = await augment(
        {
          model: a.model,
          data: a.data,
          out: a.out,
          kind: a.kind,
          ...data,
          // --format takes every kind's formats since eval/predict share it; augment's schema checks this kind's.
          format: data.format as AugmentOptions['format'],
          header: data.header,
          copies: a.copies,
          seed: a.seed,
          shard: parseShard(a.shard),
          p: a.p,
          candidates: a.candidates,
          wholeWord: a['whole-word'],
          wordVectors: a['word-vectors'],
          stopWords: a['stop-words'],
          guardModel: a['guard-model'],
          guard: parseGuard(a.guard),
          masksPerRow: a['masks-per-row'],
          batchSize: a['batch-size'],
          maxSeqLength: a['max-seq-length'],
          chunk: a.chunk,
          resume: a.resume,
          overwrite: a.overwrite,
        },
        {
          names,
          onProgress: (done, total) => {
            if (!bar) return;
            if (!started) bar.start(total, 0);
            started = true;
            bar.update(done);
          },
        },
      );
      process.stdout.write(a.json ? `${JSON.stringify(summary)}\n` : report(summary));
    } finally {
      if (started) bar?.stop();
    }
  },
};
export default command;
