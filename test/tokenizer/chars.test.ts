/**
 * Character classes against the reference's Unicode 14.0. Fixed cases run anywhere; when a
 * `python3` whose `unicodedata` is 14.0.0 (Python 3.11, as used for the golden files) is on the
 * PATH, every code point is also compared with it, which pins the Unicode 14 table in
 * src/tokenizer/unicode14.ts against the engine's newer Unicode.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  isChineseChar,
  isControl,
  isNonspacingMark,
  isPunctuation,
  isPySpace,
  isWhitespace,
  pyStrip,
} from '../../src/tokenizer/chars.js';
import { isUnassignedInUnicode14 } from '../../src/tokenizer/unicode14.js';

describe('character classes', () => {
  it('control: C* except tab/newline/CR, including format characters and U+0085', () => {
    for (const cp of [0x00, 0x01, 0x1b, 0x7f, 0x85, 0x200b, 0x200d, 0xad, 0xfeff, 0xe000, 0xffff, 0x10ffff]) {
      expect(isControl(cp), cp.toString(16)).toBe(true);
    }
    for (const cp of [0x09, 0x0a, 0x0d, 0x20, 0x41, 0x4e2d, 0x2028]) expect(isControl(cp), cp.toString(16)).toBe(false);
  });

  it('characters added after Unicode 14 are unassigned, hence control, as in the reference', () => {
    // U+1FAE8 shaking face (15.0), U+31350 CJK Ext H (15.0), U+2EBF0 CJK Ext I (15.1), U+11F00 Kawi (15.0)
    for (const cp of [0x1fae8, 0x31350, 0x2ebf0, 0x11f00]) {
      expect(isUnassignedInUnicode14(cp), cp.toString(16)).toBe(true);
      expect(isControl(cp), cp.toString(16)).toBe(true);
    }
    for (const cp of [0x1fae0, 0x2a6df, 0x4e2d, 0x41]) expect(isUnassignedInUnicode14(cp), cp.toString(16)).toBe(false);
  });

  it('U+1171E is still a non-spacing mark (Mn in Unicode 14, Mc from 15.0)', () => {
    expect(isNonspacingMark(0x1171e)).toBe(true);
    expect(isNonspacingMark(0x0301)).toBe(true);
    expect(isNonspacingMark(0x0061)).toBe(false);
  });

  it('whitespace: reference _is_whitespace vs Python str.isspace', () => {
    expect([0x20, 0x09, 0x0a, 0x0d, 0xa0, 0x3000, 0x2009].every(isWhitespace)).toBe(true);
    // Line/paragraph separators are not Zs: not reference whitespace, but str.split() splits on them.
    expect(isWhitespace(0x2028) || isWhitespace(0x2029) || isWhitespace(0x85)).toBe(false);
    expect([0x2028, 0x2029, 0x1c, 0x1f, 0x85].every(isPySpace)).toBe(true);
    expect(isPySpace(0xfeff) || isPySpace(0x200b)).toBe(false);
    expect(pyStrip('\u2028 a\u00a0\u001c')).toBe('a');
    expect(pyStrip('\ufeffa')).toBe('\ufeffa');
  });

  it('punctuation: all non-alphanumeric ASCII plus P*', () => {
    for (const ch of '$+<=>^`|~!,.，。！「」—') expect(isPunctuation(ch.codePointAt(0)!), ch).toBe(true);
    for (const ch of 'a1 ¥€℃😀中') expect(isPunctuation(ch.codePointAt(0)!), ch).toBe(false);
  });

  it('Chinese characters: CJK ideograph blocks only, not kana, hangul or Ext F', () => {
    for (const ch of '中㐀豈𠀀𪚥𫝀') expect(isChineseChar(ch.codePointAt(0)!), ch).toBe(true);
    for (const ch of 'あア한，〇') expect(isChineseChar(ch.codePointAt(0)!), ch).toBe(false);
    expect(isChineseChar(0x2ceb0)).toBe(false);
  });
});

const PY = `
import unicodedata, json
assert unicodedata.unidata_version == '14.0.0', unicodedata.unidata_version
def ranges(pred):
    r, s = [], None
    for cp in range(0x110001):
        p = cp < 0x110000 and pred(cp)
        if p and s is None: s = cp
        if not p and s is not None: r.append([s, cp - 1]); s = None
    return r
cat = [unicodedata.category(chr(cp)) for cp in range(0x110000)]
ctl = lambda cp: cp not in (9, 10, 13) and cat[cp][0] == 'C'
ws = lambda cp: cp in (9, 10, 13, 32) or cat[cp] == 'Zs'
pun = lambda cp: 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126 or cat[cp][0] == 'P'
maps = {}
for cp in range(0x110000):
    if cat[cp] in ('Cn', 'Cs'): continue
    c = chr(cp)
    lo, nfd = c.lower(), unicodedata.normalize('NFD', c)
    if lo != c or nfd != c: maps[cp] = [lo, nfd]
print(json.dumps({'control': ranges(ctl), 'whitespace': ranges(ws), 'punctuation': ranges(pun),
                  'mn': ranges(lambda cp: cat[cp] == 'Mn'), 'space': ranges(lambda cp: chr(cp).isspace()),
                  'unassigned': ranges(lambda cp: cat[cp] == 'Cn'), 'maps': maps}))
`;

function pythonUnicode14(): Record<string, unknown> | null {
  const r = spawnSync('python3', ['-c', PY], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0 || !r.stdout) return null;
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

const py = pythonUnicode14();
if (!py) process.stderr.write('SKIPPED "matches Python unicodedata 14.0.0": no python3 with Unicode 14.0.0\n');

describe.skipIf(!py)('character classes match Python 3.11 unicodedata 14.0.0 on every code point', () => {
  const classes: [string, (cp: number) => boolean][] = [
    ['control', isControl],
    ['whitespace', isWhitespace],
    ['punctuation', isPunctuation],
    ['mn', isNonspacingMark],
    ['space', isPySpace],
    ['unassigned', isUnassignedInUnicode14],
  ];
  for (const [name, fn] of classes) {
    it(name, () => {
      const want = new Uint8Array(0x110000);
      for (const [a, b] of (py as Record<string, [number, number][]>)[name]) want.fill(1, a, b + 1);
      const wrong: string[] = [];
      for (let cp = 0; cp < 0x110000; cp++) if (fn(cp) !== (want[cp] === 1)) wrong.push(cp.toString(16));
      expect(wrong.slice(0, 20), `${wrong.length} code points differ`).toEqual([]);
    });
  }

  it('lower() and NFD of every assigned code point equal JS toLowerCase / normalize', () => {
    const maps = (py as { maps: Record<string, [string, string]> }).maps;
    const wrong: string[] = [];
    for (let cp = 0; cp < 0x110000; cp++) {
      if ((cp >= 0xd800 && cp <= 0xdfff) || isUnassignedInUnicode14(cp)) continue;
      const c = String.fromCodePoint(cp);
      const [lo, nfd] = maps[cp] ?? [c, c];
      if (c.toLowerCase() !== lo || c.normalize('NFD') !== nfd) wrong.push(cp.toString(16));
    }
    expect(wrong.slice(0, 20), `${wrong.length} code points differ`).toEqual([]);
  });
});
