/**
 * Chinese word segmentation for whole-word augmentation and whole-word masking, by jieba's default
 * dictionary (`@node-rs/jieba`: prebuilt binaries inside its npm packages, so no compiler and no
 * download; about 4 µs per sentence). Node only: the browser build never imports this file.
 *
 * The words of a text concatenate back to the text exactly (spaces and punctuation are words of their
 * own), so a word's span is found by walking the list; spans are UTF-16 offsets into the text.
 */
import { createRequire } from 'node:module';

interface JiebaLike {
  cut(text: string, hmm?: boolean): string[];
}

let jieba: JiebaLike | undefined;

/** Loads the dictionary once (about 150 ms), on first use. */
function segmenter(): JiebaLike {
  if (!jieba) {
    const require = createRequire(import.meta.url);
    const { Jieba } = require('@node-rs/jieba') as { Jieba: { withDict(dict: Uint8Array): JiebaLike } };
    const { dict } = require('@node-rs/jieba/dict') as { dict: Uint8Array };
    jieba = Jieba.withDict(dict);
  }
  return jieba;
}

/** The words of `text` in order, HMM off so the same dictionary always gives the same words. */
export function segmentWords(text: string): string[] {
  return text === '' ? [] : segmenter().cut(text, false);
}

/** [start, end) UTF-16 offsets of each word of `text`. */
export function wordSpans(text: string): [number, number][] {
  const spans: [number, number][] = [];
  let at = 0;
  for (const w of segmentWords(text)) {
    spans.push([at, at + w.length]);
    at += w.length;
  }
  return spans;
}
