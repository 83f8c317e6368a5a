/**
 * From one tag per input token to what users read: entities with character offsets into the
 * original text, and the prediction file `eval --predictions` writes (conlleval's input).
 */
import { ShapeError } from '../../errors.js';
import type { Sentence } from './formats.js';
import { chunks } from './tags.js';

/** An entity found in a text: `text.slice(start, end)` (UTF-16 offsets, end exclusive) is `text`. */
export interface Entity {
  type: string;
  start: number;
  end: number;
  text: string;
}

/** The entities `tags` (one per token of `sentence`) spell, as conlleval's rules chunk them. */
export function decodeEntities(sentence: Pick<Sentence, 'text' | 'spans'>, tags: readonly string[]): Entity[] {
  if (tags.length !== sentence.spans.length) {
    throw new ShapeError(`${sentence.spans.length} tokens but ${tags.length} predicted tags; expected one tag per token`);
  }
  return chunks(tags).map(({ type, start, end }) => {
    const from = sentence.spans[start][0];
    const to = sentence.spans[end - 1][1];
    return { type, start: from, end: to, text: sentence.text.slice(from, to) };
  });
}

/**
 * Lines `token gold predicted`, a blank line after each sentence: conlleval's input, one line per
 * input token. Whitespace inside a token (a U+3000 character, say) would split conlleval's columns,
 * so it is written as `_`.
 */
export function predictionLines(sentences: readonly Pick<Sentence, 'tokens' | 'tags'>[], predicted: readonly (readonly string[])[]): string[] {
  if (sentences.length !== predicted.length) {
    throw new ShapeError(`${sentences.length} sentences but ${predicted.length} predictions; expected one per sentence`);
  }
  const out: string[] = [];
  sentences.forEach((s, i) => {
    if (predicted[i].length !== s.tokens.length) {
      throw new ShapeError(`sentence ${i + 1}: ${s.tokens.length} tokens but ${predicted[i].length} predicted tags; expected one per token`);
    }
    s.tokens.forEach((t, j) => out.push(`${t.replace(/\s/g, '_')} ${s.tags[j]} ${predicted[i][j]}`));
    out.push('');
  });
  return out;
}
