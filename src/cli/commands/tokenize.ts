/**
 * `tinybert tokenize --vocab FILE [--pair TEXT_B] [--max-length N] [--no-lower-case] [--json] TEXT`:
 * shows how the reference BERT tokenizer splits a text. Thin shell over `tokenizeText`.
 */
import type { CommandModule } from 'yargs';
import { formatEncodingTable, tokenizeText } from '../../tokenizer/tokenize-command.js';
import { numberOption } from '../options.js';

interface TokenizeArgs {
  text: string;
  vocab: string;
  pair?: string;
  'max-length'?: number;
  'lower-case'?: boolean;
  json: boolean;
}

const tokenize: CommandModule<object, TokenizeArgs> = {
  command: 'tokenize <text>',
  describe: 'Tokenize a text (or a pair) with a BERT vocab.txt: tokens, ids, token types, offsets',
  builder: (y) =>
    y
      .positional('text', { type: 'string', demandOption: true, describe: 'Text to tokenize (segment a)' })
      .option('vocab', { type: 'string', demandOption: true, describe: 'Path of the vocab.txt (one token per line) or a tokenizer.json' })
      .option('pair', { type: 'string', describe: 'Second text of a sentence pair (segment b, token type 1)' })
      .option('max-length', numberOption('Truncate to N tokens including [CLS]/[SEP], as task_distill.py does (no padding)', { integer: true, min: 1 }))
      .option('lower-case', {
        type: 'boolean',
        describe: 'Lower-case and strip accents (uncased vocabularies; default on, or the tokenizer.json\'s setting); --no-lower-case for cased ones',
      })
      .option('json', { type: 'boolean', default: false, describe: 'Print one JSON object instead of a table' }),
  handler: async (argv) => {
    const enc = await tokenizeText({
      vocab: argv.vocab,
      text: argv.text,
      pair: argv.pair,
      lowerCase: argv['lower-case'],
      maxLength: argv['max-length'],
    });
    process.stdout.write(
      argv.json ? `${JSON.stringify(enc)}\n` : formatEncodingTable(enc, { a: argv.text, b: argv.pair }),
    );
  },
};

export default tokenize;
