import type { CommandModule } from 'yargs';
import { initBackend } from '../../backend/select.js';
import { predictModelDir } from '../../pipeline/evaluate.js';
import { writeTextAtomic } from '../../util/fs.js';
import { numberOption, readerOptions, withDataOptions, type DataArgs } from '../options.js';

interface Args extends DataArgs {
  dir: string;
  input: string;
  out?: string;
  'max-seq-length'?: number;
  'batch-size': number;
  backend?: string;
}

const command: CommandModule<object, Args> = {
  command: 'predict <dir>',
  describe: 'Label texts: one JSON line per input (classification: label, score, probabilities; token classification: entities with character offsets; span: the answer with its score and offsets)',
  builder: (y) =>
    withDataOptions(
      y
        .positional('dir', { type: 'string', demandOption: true, describe: 'Model directory, training checkpoint or run directory' })
        .option('input', {
          type: 'string',
          demandOption: true,
          describe:
            'Text file (one example per line; classification: text_a<TAB>text_b for pairs, or JSONL {text_a, text_b}; span: JSONL {id?, question, context}); ' +
            'with --format/--header/--text-a/--text-b a data file of the model\'s task kind (its labels are ignored)',
        }),
      false,
    )
      .option('out', { type: 'string', describe: 'Write the JSON lines here instead of stdout' })
      .option('max-seq-length', numberOption('Tokens per example or window including [CLS]/[SEP] (default: the length the model was trained with, from its config.json task_settings, with the windows and answer decoding it was trained with; else 128)', { integer: true, min: 3 }))
      .option('batch-size', numberOption('Examples per forward pass', { integer: true, min: 1, default: 32 })),
  handler: async (a) => {
    await initBackend(a.backend, { quiet: true });
    const preds = await predictModelDir<Record<string, unknown>>(a.dir, {
      input: a.input,
      ...readerOptions(a),
      maxSeqLength: a['max-seq-length'],
      batchSize: a['batch-size'],
    });
    const text = preds.map((p) => JSON.stringify(p)).join('\n') + '\n';
    if (a.out) {
      writeTextAtomic(a.out, text);
      process.stdout.write(`wrote ${preds.length} predictions to ${a.out}\n`);
    } else process.stdout.write(text);
  },
};
export default command;
