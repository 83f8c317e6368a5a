import type { CommandModule } from 'yargs';
import { initBackend } from '../../backend/select.js';
import { evaluateModelDir, type EvaluationResult } from '../../pipeline/evaluate.js';
import type { Column, DataFormat } from '../../recipe/task.js';

interface Args {
  dir: string;
  data: string;
  format?: DataFormat;
  header: boolean;
  'text-a'?: string;
  'text-b'?: string;
  label?: string;
  labels?: string;
  'max-seq-length': number;
  'batch-size': number;
  json: boolean;
  backend?: string;
}

/** A column given on the command line: a 0-based index when it is all digits, else a name. */
function column(v: string | undefined): Column | undefined {
  return v === undefined ? undefined : /^\d+$/.test(v) ? Number(v) : v;
}

function table(r: EvaluationResult): string {
  const lines = [`${r.dir} on ${r.data}: ${r.examples} examples`];
  for (const [name, v] of Object.entries(r.metrics)) lines.push(`  ${name.padEnd(9)} ${v.toFixed(4)}`);
  if (r.confusion) {
    const w = Math.max(6, ...r.labels.map((l) => l.length));
    lines.push(`  confusion (rows gold, columns predicted)`, `  ${''.padEnd(w)} ${r.labels.map((l) => l.padStart(w)).join(' ')}`);
    r.confusion.forEach((row, i) => lines.push(`  ${r.labels[i]!.padEnd(w)} ${row.map((n) => String(n).padStart(w)).join(' ')}`));
  }
  return `${lines.join('\n')}\n`;
}

const command: CommandModule<object, Args> = {
  command: 'eval <dir>',
  describe: 'Score a model (exported student, checkpoint or run) on a labelled tsv/csv/jsonl file',
  builder: (y) =>
    y
      .positional('dir', { type: 'string', demandOption: true, describe: 'Model directory, training checkpoint or run directory' })
      .option('data', { type: 'string', demandOption: true, describe: 'Labelled data file' })
      .option('format', { choices: ['tsv', 'csv', 'jsonl'] as const, describe: 'File format (default: from the extension, else tsv)' })
      .option('header', { type: 'boolean', default: false, describe: 'tsv/csv: the first row names the columns' })
      .option('text-a', { type: 'string', describe: 'Column of the first text: name or 0-based index (default text_a / 0)' })
      .option('text-b', { type: 'string', describe: 'Column of the second text for pair tasks' })
      .option('label', { type: 'string', describe: 'Column of the gold label (default label / the column after the texts)' })
      .option('labels', { type: 'string', describe: 'Label names as written in the file, comma-separated, in class-id order (default: id2label)' })
      .option('max-seq-length', { type: 'number', default: 128, describe: 'Tokens per example including [CLS]/[SEP]' })
      .option('batch-size', { type: 'number', default: 32, describe: 'Examples per forward pass' })
      .option('json', { type: 'boolean', default: false, describe: 'Print the result as JSON' }),
  handler: async (a) => {
    await initBackend(a.backend, { quiet: true });
    const r = await evaluateModelDir(a.dir, {
      data: a.data,
      format: a.format,
      header: a.header,
      textA: column(a['text-a']),
      textB: column(a['text-b']),
      label: column(a.label),
      labels: a.labels?.split(',').map((l) => l.trim()),
      maxSeqLength: a['max-seq-length'],
      batchSize: a['batch-size'],
    });
    process.stdout.write(a.json ? `${JSON.stringify(r)}\n` : table(r));
  },
};
export default command;
