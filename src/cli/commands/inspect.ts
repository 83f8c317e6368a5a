import type { CommandModule } from 'yargs';
import { initBackend } from '../../backend/select.js';
import { formatSummary, inspectModelDir } from '../../checkpoint/inspect.js';

interface Args {
  dir: string;
  json: boolean;
  backend?: string;
}

const command: CommandModule<object, Args> = {
  command: 'inspect <dir>',
  describe: 'Summarise a model directory: config, parameters per component, weight format, vocab',
  builder: (y) =>
    y
      .positional('dir', { type: 'string', demandOption: true, describe: 'Model directory (config.json or bert_config.json + weights)' })
      .option('json', { type: 'boolean', default: false, describe: 'Print the summary as JSON' }),
  handler: async (a) => {
    await initBackend(a.backend, { quiet: true });
    const s = inspectModelDir(a.dir);
    process.stdout.write(a.json ? `${JSON.stringify(s, null, 2)}\n` : `${formatSummary(s)}\n`);
  },
};
export default command;
