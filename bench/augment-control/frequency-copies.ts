/**
 * A control for the study's augmentation (a bench, not a test): are the masked-LM copies worth more
 * than copies changed at the same places into frequent characters, context ignored?
 * `node dist/bench/augment-control/frequency-copies.js [--augmented FILE] [--original FILE] [--corpus FILE] [--out FILE]`
 *
 * It reads an augmented classification TSV (each original row followed by its copies, as `tinybert
 * augment` writes) and the original file, and writes the same rows where every character a copy
 * changed is replaced instead by one of the corpus's 15 most frequent Chinese characters, drawn
 * uniformly (never the original character). Same positions, same number of copies, same labels:
 * only where the replacement came from differs. recipe.yaml beside it trains on the result.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeTextAtomic } from '../../src/util/fs.js';
import { frequentChars } from '../study/corpus.js';
import { frequencyCopies } from './frequency.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const { values: flags } = parseArgs({
  options: {
    augmented: { type: 'string', default: join(ROOT, 'runs/study/chnsenticorp/augment-unguarded/train.tsv') },
    original: { type: 'string', default: join(ROOT, 'runs/study/data/chnsenticorp/train.tsv') },
    corpus: { type: 'string', default: join(ROOT, 'runs/study/corpus.txt') },
    out: { type: 'string', default: join(ROOT, 'runs/study/augment-control/frequency.tsv') },
    seed: { type: 'string', default: '1' },
  },
});

const rows = (file: string) => readFileSync(file, 'utf8').split('\n').filter((l) => l.trim());
const frequent = frequentChars(readFileSync(flags.corpus!, 'utf8'), 15);
const r = frequencyCopies(rows(flags.augmented!), new Set(rows(flags.original!).slice(1)), frequent, Number(flags.seed));
writeTextAtomic(flags.out!, `${r.lines.join('\n')}\n`);
process.stdout.write(
  `${JSON.stringify({ out: flags.out, frequent: frequent.join(''), copies: r.copies, keptLengthChanged: r.keptLengthChanged, replacedCharacters: r.replacedCharacters })}\n`,
);
