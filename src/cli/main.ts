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
import { rejectInvalidOptions } from './options.js';

/**
 * `--` ends the options: every later argument is a positional, even one starting with "-"
 * (`tinybert tokenize --vocab v.txt -- -foo`). yargs never fills a command's positionals from
 * after `--` (it parses commands with populate-- forced on) and drops what it does not use, so
 * each operand goes in as an opaque token that yargs takes for a plain word, and comes back out
 * before validation (no real argument contains NUL): a missing one is "not enough arguments", an
 * extra one "Unknown argument".
 */
const OPERAND = '\u0000operand:';
const OPERAND_TOKEN = /\u0000operand:(\d+)/g;

function protectOperands(argv: string[]): { args: string[]; operands: string[] } {
  const end = argv.indexOf('--');
  if (end < 0) return { args: argv, operands: [] };
  const operands = argv.slice(end + 1);
  return { args: [...argv.slice(0, end), ...operands.map((_, i) => `${OPERAND}${i}`)], operands };
}

function restoreOperands(value: unknown, operands: string[]): unknown {
  if (typeof value === 'string') return value.replace(OPERAND_TOKEN, (_, i: string) => operands[Number(i)]!);
  if (Array.isArray(value)) return value.map((v) => restoreOperands(v, operands));
  return value;
}

export async function main(argv: string[]): Promise<number> {
  const { args, operands } = protectOperands(argv);
  let parser = yargs(args)
    .scriptName('tinybert')
    .usage('$0 <command> [options]\n\nTinyBERT distillation of NEZHA / BERT teachers in TypeScript.')
    .option('backend', {
      type: 'string',
      choices: ['auto', 'tensorflow', 'native', 'cpu'],
      describe: 'Compute engine (default: $TINYBERT_BACKEND, else the fastest that works: tensorflow → native → cpu)',
      global: true,
    })
    .middleware((a) => {
      for (const key of Object.keys(a)) a[key] = restoreOperands(a[key], operands);
    }, true)
    // A check, not a middleware: options are coerced by middleware registered after this one.
    .check((a) => rejectInvalidOptions(a), true)
    .demandCommand(1, 'Give a command; see --help.')
    .strict()
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version()
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .fail((msg, err) => {
      throw err ?? new UsageFailure(restoreOperands(msg, operands) as string);
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
