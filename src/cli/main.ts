/**
 * The `tinybert` command line: yargs over thin command modules in ./commands. A TinybertError is
 * a user mistake: printed as one line, exit code 1, no stack trace. So is a file-system error that
 * names its path (permission denied, read-only, a file where a folder was expected, disk full):
 * the path is the user's to fix. Anything else is a bug and keeps its stack.
 */
import yargs from 'yargs';
import type { CommandModule } from 'yargs';
import { TinybertError } from '../errors.js';
import { fsErrorMessage } from '../util/fs.js';
import { commands } from './commands/index.js';

export async function main(argv: string[]): Promise<number> {
  let parser = yargs(argv)
    .scriptName('tinybert')
    .usage('$0 <command> [options]\n\nTinyBERT distillation of NEZHA / BERT teachers in TypeScript.')
    .option('backend', {
      type: 'string',
      choices: ['auto', 'tensorflow', 'native', 'cpu'],
      describe: 'Compute engine (default: $TINYBERT_BACKEND, else the fastest that works: tensorflow → native → cpu)',
      global: true,
    })
    .demandCommand(1, 'Give a command; see --help.')
    .strict()
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version()
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .fail((msg, err) => {
      throw err ?? new UsageFailure(msg);
    });
  for (const c of commands) parser = parser.command(c as CommandModule);
  try {
    await parser.parseAsync();
    return 0;
  } catch (err) {
    if (err instanceof UsageFailure) {
      process.stderr.write(`tinybert: ${err.message}\nRun "tinybert --help" for usage.\n`);
      return 2;
    }
    if (err instanceof TinybertError) {
      process.stderr.write(`tinybert: error: ${err.message}\n`);
      return 1;
    }
    const fsMessage = fsErrorMessage(err);
    if (fsMessage) {
      process.stderr.write(`tinybert: error: ${fsMessage}\n`);
      return 1;
    }
    throw err;
  }
}

class UsageFailure extends Error {}
