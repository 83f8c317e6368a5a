/**
 * Token-classification (NER) files for augmentation: only words whose tokens are all tagged `O`
 * change, so every entity keeps its tokens and tags. A replaced stretch becomes new `O` tokens:
 * one per character in a character-per-token file (Chinese NER), else one token. Written back in
 * the file's format: conll as `token tag` lines, jsonl as {"text", "label"} (text a string when
 * every token is one character), ernie with its header, bmes.
 */
import { readSentences, type NerFormat, type Sentence } from '../tasks/token-classification/index.js';
import type { Dataset, Item } from './dataset.js';
import { applyEdits, type Edit } from './rewrite.js';

export function tokenClassificationDataset(file: string, format: NerFormat): Dataset {
  const sentences = readSentences(file, format);
  const items = sentences.map((s): Item => {
    const starts = new Map(s.spans.map(([a], i) => [a, i]));
    const ends = new Map(s.spans.map(([, b], i) => [b, i]));
    const perChar = s.tokens.every((t) => [...t].length === 1);
    return {
      source: s.source,
      texts: [s.text],
      eligible: (_t, start, end) => {
        const from = starts.get(start);
        const to = ends.get(end);
        return from !== undefined && to !== undefined && s.tags.slice(from, to + 1).every((tag) => tag === 'O');
      },
      render: (edits: Edit[][]) => write(format, rewrite(s, edits[0]!, perChar), perChar),
    };
  });
  return { count: items.length, items: async (from, to) => items.slice(from, to), head: format === 'ernie' ? 'text_a\tlabel\n' : '', tail: '' };
}

/** Tokens and tags after the edits (each edit covers whole `O` tokens). */
function rewrite(s: Sentence, edits: readonly Edit[], perChar: boolean): { tokens: string[]; tags: string[]; text: string } {
  const tokens: string[] = [];
  const tags: string[] = [];
  let e = 0;
  for (let i = 0; i < s.tokens.length; i++) {
    const edit = edits[e];
    if (edit && s.spans[i]![0] === edit.start) {
      const added = perChar ? [...edit.text] : [edit.text];
      tokens.push(...added);
      tags.push(...added.map(() => 'O'));
      while (i + 1 < s.tokens.length && s.spans[i + 1]![1] <= edit.end) i++;
      e++;
      continue;
    }
    tokens.push(s.tokens[i]!);
    tags.push(s.tags[i]!);
  }
  return { tokens, tags, text: applyEdits(s.text, edits) };
}

function write(format: NerFormat, r: { tokens: string[]; tags: string[]; text: string }, perChar: boolean): string {
  switch (format) {
    case 'conll':
      return `${r.tokens.map((t, i) => `${t} ${r.tags[i]}`).join('\n')}\n\n`;
    case 'jsonl':
      return `${JSON.stringify({ text: perChar ? r.tokens.join('') : r.tokens, label: r.tags })}\n`;
    case 'ernie':
      return `${r.tokens.join('\x02')}\t${r.tags.join('\x02')}\n`;
    case 'bmes':
      return `${r.tokens.join(' ')}\t${r.tags.join(' ')}\n`;
  }
}
