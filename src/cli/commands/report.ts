import type { CommandModule } from 'yargs';
import { initBackend } from '../../backend/select.js';
import { writeReport } from '../../report/index.js';

interface Args {
  run: string;
  out?: string;
  latency: boolean;
  backend?: string;
}

const command: CommandModule<object, Args> = {
  command: 'report <run>',
  describe: 'Write a run\'s report: one self-contained HTML page (loss, learning rate, throughput and dev charts per stage, teacher vs student table, recipe), plus report.md and report.json. Works on a run still in progress',
  builder: (y) =>
    y
      .positional('run', { type: 'string', demandOption: true, describe: 'Run folder (a recipe\'s output_dir)' })
      .option('out', { type: 'string', describe: 'The .html file to write (default RUN/report.html); FILE.md and FILE.json go beside it' })
      .option('latency', { type: 'boolean', default: true, describe: 'Time each model at batch 1 and 32 on the current engine (--no-latency skips it)' }),
  handler: async (a) => {
    await initBackend(a.backend, { quiet: true });
    const r = await writeReport(a.run, { out: a.out, latency: a.latency });
    process.stdout.write(`wrote ${r.html}\n      ${r.markdown}\n      ${r.json}\n${r.summary.inProgress ? 'the run is still in progress (or stopped early): the report shows what it has logged so far\n' : ''}`);
  },
};
export default command;
