import type { CommandModule } from 'yargs';
import { initBackend } from '../../backend/select.js';
import { distillLossesFromFiles } from '../../distill/parity.js';
import { recordToJson } from '../../model/batch-json.js';
import { writeTextAtomic } from '../../util/fs.js';
import { numberOption } from '../options.js';

interface Args {
  teacher: string;
  student: string;
  inputs: string;
  temperature: number[];
  out?: string;
  backend?: string;
}

const command: CommandModule<object, Args> = {
  command: 'distill-losses',
  describe: 'Every TinyBERT loss term for one batch in eval mode, as JSON with the reference (task_distill.py) key names',
  builder: (y) =>
    y
      .option('teacher', { type: 'string', demandOption: true, describe: 'Teacher model directory (with a task head)' })
      .option('student', { type: 'string', demandOption: true, describe: 'Student model directory or checkpoint (with its fit_dense)' })
      .option('inputs', { type: 'string', demandOption: true, describe: 'JSON batch {input_ids, token_type_ids, attention_mask, labels?}' })
      .option('temperature', numberOption('Prediction-loss temperature(s); one pred_loss_T<T> each', { min: 0, exclusive: true, array: true, default: [1] }))
      .option('out', { type: 'string', describe: 'Write the JSON here instead of stdout' }),
  handler: async (a) => {
    await initBackend(a.backend, { quiet: true });
    const report = distillLossesFromFiles({ teacher: a.teacher, student: a.student, inputs: a.inputs, temperatures: a.temperature });
    // One key per line, as the reference dumps, so the two files diff line by line.
    const text = recordToJson(report as unknown as Record<string, unknown>);
    if (a.out) {
      writeTextAtomic(a.out, text);
      process.stdout.write(`wrote ${a.out}\n`);
    } else process.stdout.write(text);
  },
};
export default command;
