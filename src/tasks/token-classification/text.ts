/** Raw text as a sentence to label: browser-safe (the readers in formats.ts read files). */
import type { Sentence } from './formats.js';

/** A text to label, one token per code point, each with its [start, end) in the text. */
export function charTokens(text: string): Pick<Sentence, 'tokens' | 'text' | 'spans'> {
  const tokens = [...text];
  const spans: [number, number][] = [];
  let at = 0;
  for (const c of tokens) spans.push([at, (at += c.length)]);
  return { tokens, text, spans };
}
