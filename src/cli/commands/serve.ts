import type { CommandModule } from 'yargs';
import { serveModel } from '../../serve/index.js';
import { numberOption } from '../options.js';

interface Args {
  dir: string;
  port: number;
  backend?: string;
}

const command: CommandModule<object, Args> = {
  command: 'serve <dir>',
  describe: 'A local web page to try an exported student in the browser: type a sentence (or a pair) and see the label and probabilities, a text and see its entities, or a question and context and see the answer, with the latency; links the run\'s report',
  builder: (y) =>
    y
      .positional('dir', { type: 'string', demandOption: true, describe: 'A TF.js export (tinybert export RUN --format tfjs --out DIR)' })
      .option('port', numberOption('Port on 127.0.0.1 (0: a free one)', { integer: true, min: 0, default: 8080 })),
  handler: async (a) => {
    const server = await serveModel(a.dir, { port: a.port });
    process.stdout.write(`serving ${a.dir} at ${server.url}${server.report ? ` (report: ${server.url}report.html)` : ''}\nCtrl-C stops.\n`);
    await new Promise<void>((done) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        void server.close().then(done);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
  },
};
export default command;
