import type { CommandModule } from 'yargs';
import { initBackend } from '../../backend/select.js';
import { predictModelDir } from '../../pipeline/evaluate.js';
import { writeTextAtomic } from '../../util/fs.js';

interface Args {
  dir: string;
  input: string;
  out?: string;
  'max-seq-length': number;
  'batch-size': number;
  backend?: string;
}

const command: CommandModule<object, Args> = {
  command: 'predict <dir>',
  describe: 'Label texts with a classification model: one JSON line per input (label, score, probabilities)',
  builder: (y) =>
    y
      .positional('dir', { type: 'string', demandOption: true, describe: 'Model directory, training checkpoint or run directory' })
      .option('input', { type: 'string', demandOption: true, describe: 'Text file (one example per line, text_a<TAB>text_b for pairs) or JSONL {text_a, text_b}' })
      .option('out', { type: 'string', describe: 'Write the JSON lines here instead of stdout' })
      .option('max-seq-length', { type: 'number', default: 128, describe: 'Tokens per example including [CLS]/[SEP]' })
      .option('batch-size', { type: 'number', default: 32, describe: 'Examples per forward pass' }),
  handler: async (a) => {
    await initBackend(a.backend, { quiet: true });
    const preds = await predictModelDir(a.dir, { input: a.input, maxSeqLength: a['max-seq-length'], batchSize: a['batch-size'] });
    const text = preds.map((p) => JSON.stringify(p)).join('\n') + '\n';
    if (a.out) {
      writeTextAtomic(a.out, text);
      process.stdout.write(`wrote ${preds.length} predictions to ${a.out}\n`);
    } else process.stdout.write(text);
  },
};
export default command;
