import type { CommandModule } from 'yargs';
import { initBackend } from '../../backend/select.js';
import { evaluateModelDir, type EvaluationResult } from '../../pipeline/evaluate.js';
import { numberOption, readerOptions, withDataOptions, type DataArgs } from '../options.js';

interface Args extends DataArgs {
  dir: string;
  data: string;
  'max-seq-length'?: number;
  'batch-size': number;
  json: boolean;
  predictions?: string;
  backend?: string;
}

function table(r: EvaluationResult): string {
  const lines = [`${r.dir} on ${r.data}: ${r.examples} examples`];
  for (const [name, v] of Object.entries(r.metrics)) lines.push(`  ${name.padEnd(9)} ${v.toFixed(4)}`);
  if (r.predictions) lines.push(`  predictions written to ${r.predictions}`);
  if (r.confusion) {
    const w = Math.max(6, ...r.labels.map((l) => l.length));
    lines.push(`  confusion (rows gold, columns predicted)`, `  ${''.padEnd(w)} ${r.labels.map((l) => l.padStart(w)).join(' ')}`);
    r.confusion.forEach((row, i) => lines.push(`  ${r.labels[i]!.padEnd(w)} ${row.map((n) => String(n).padStart(w)).join(' ')}`));
  }
  return `${lines.join('\n')}\n`;
}

const command: CommandModule<object, Args> = {
  command: 'eval <dir>',
  describe: 'Score a model (exported student, checkpoint or run) on a labelled file of its task kind (classification tsv/csv/jsonl, token classification conll/jsonl/ernie/bmes, span squad/jsonl)',
  builder: (y) =>
    withDataOptions(
      y
        .positional('dir', { type: 'string', demandOption: true, describe: 'Model directory, training checkpoint or run directory' })
        .option('data', { type: 'string', demandOption: true, describe: 'Labelled data file' }),
      true,
    )
      .option('max-seq-length', numberOption('Tokens per example or window including [CLS]/[SEP] (default: the length the model was trained with, from its config.json task_settings, with the windows and answer decoding it was trained with; else 128)', { integer: true, min: 3 }))
      .option('batch-size', numberOption('Examples per forward pass', { integer: true, min: 1, default: 32 }))
      .option('json', { type: 'boolean', default: false, describe: 'Print the result as JSON' })
      .option('predictions', {
        type: 'string',
        describe: 'Write the predictions here: one label per line (classification), "token gold predicted" lines with a blank line between sentences (token classification, conlleval\'s input), {"question_id": "answer"} JSON (span, the CMRC 2018 scorer\'s input)',
      }),
  handler: async (a) => {
    await initBackend(a.backend, { quiet: true });
    const r = await evaluateModelDir(a.dir, {
      data: a.data,
      ...readerOptions(a),
      maxSeqLength: a['max-seq-length'],
      batchSize: a['batch-size'],
      predictions: a.predictions,
    });
    process.stdout.write(a.json ? `${JSON.stringify(r)}\n` : table(r));
  },
};
export default command;
