/** Raw text as a sentence to label: browser-safe (the readers in formats.ts read files). */

/** A text to label, one token per code point, each with its [start, end) in the text. */
export function charTokens(text: string): { tokens: string[]; text: string; spans: [number, number][] } {
  const tokens = [...text];
  const spans: [number, number][] = [];
  let at = 0;
  for (const c of tokens) spans.push([at, (at += c.length)]);
  return { tokens, text, spans };
}
