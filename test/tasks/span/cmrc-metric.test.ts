/**
 * The CMRC 2018 scorer's rules, one test per case, each checked against hand values and against an
 * independent Python implementation of the same rules (written here from the scorer's description,
 * not from this module; run when Debian's /usr/bin/python3 is there), which is also compared with
 * this module on random strings.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emScore, f1Score, longestCommonRun, scoreSpans, segments } from '../../../src/tasks/span/cmrc-metric.js';
import { expectClose } from '../../helpers/close.js';

describe('CMRC 2018 metric', () => {
  it('punctuation inside answers is removed for EM and F1', () => {
    expect(segments('《战国无双3》')).toEqual(['战', '国', '无', '双', '3']);
    expect(emScore(['《战国无双3》'], '战国无双3')).toBe(1);
    expect(f1Score(['光荣和ω-force'], '光荣和ω－force')).toBe(1);
    // Only the listed punctuation goes: a full stop "." is not listed and stays (split off as a word).
    expect(emScore(['1963年'], '1963年.')).toBe(0);
    expectOfficial([['《战国无双3》'], '战国无双3'], [['光荣和ω-force'], '光荣和ω－force'], [['1963年'], '1963年.'], [['“鸟巢”（国家体育场）'], '鸟巢国家体育场']);
  });

  it('English words and digits inside Chinese answers are one segment each', () => {
    expect(segments('NBA总冠军2016年')).toEqual(['nba', '总', '冠', '军', '2016', '年']);
    expect(segments('约3.5亿 US dollars')).toEqual(['约', '3.5', '亿', 'us', 'dollars']);
    // Gold 6 segments, prediction 3 sharing the run 冠军2016: P 3/3, R 3/6.
    expectClose([f1Score(['NBA总冠军2016年'], '冠军2016')], [2 / 3], { atol: 1e-12 });
    expectOfficial([['NBA总冠军2016年'], '冠军2016'], [['约3.5亿 US dollars'], '3.5亿us'], [['iPhone 7手机'], 'iphone7手机'], [['1,000米'], '1000米']);
  });

  it('several gold answers: the best of them counts for EM and F1', () => {
    const golds = ['北京市', '北京', '中华人民共和国首都北京'];
    expect(emScore(golds, '北京')).toBe(1);
    // F1 against each gold: 0 (no common run), 2·1·(2/5)/(1 + 2/5) = 4/7, 2·1·(2/3)/(1 + 2/3) = 0.8; the best counts.
    expectClose([f1Score(['中华人民共和国首都', '首都北京市', '北京市'], '北京')], [0.8], { atol: 1e-12 });
    expectClose([f1Score(['中华人民共和国首都', '首都北京市'], '北京')], [4 / 7], { atol: 1e-12 });
    expectOfficial([golds, '北京'], [['中华人民共和国首都', '首都北京市', '北京市'], '北京'], [['首都', '北京市'], '首都北京']);
  });

  it('an empty prediction scores 0 EM and 0 F1', () => {
    expect(emScore(['北京'], '')).toBe(0);
    expect(f1Score(['北京'], '')).toBe(0);
    expect(scoreSpans([{ id: 'Q', gold: ['北京'] }], { Q: '' })).toEqual({ em: 0, f1: 0, count: 1, unanswered: 0 });
    expectOfficial([['北京'], ''], [['北京', '《》'], '']);
  });

  it('an unanswered question scores 0 and still counts', () => {
    const gold = [
      { id: 'A', gold: ['北京'] },
      { id: 'B', gold: ['上海'] },
    ];
    expect(scoreSpans(gold, { A: '北京' })).toEqual({ em: 0.5, f1: 0.5, count: 2, unanswered: 1 });
    expectOfficialEvaluate(gold, { A: '北京' });
    expectOfficialEvaluate([...gold, { id: 'C', gold: ['《》'] }], { A: '北京', B: '上' });
  });

  it('F1 uses the longest common contiguous run, not a subsequence', () => {
    expect(longestCommonRun([...'abcd'], [...'axbxcd'])).toBe(2);
    // 北京 and 天 are shared but not in one run: the run is 2 segments.
    expectClose([f1Score(['北京天安门'], '北京的天')], [(2 * (2 / 4) * (2 / 5)) / (2 / 4 + 2 / 5)], { atol: 1e-12 });
  });

  it('the two-character "……" entry of the list matches no character, so "…" is kept as the scorer does', () => {
    expect(segments('等…')).toEqual(['等', '…']);
    expect(emScore(['等'], '等…')).toBe(0);
  });
});

/**
 * The rules as Python, for an independent check. In: {"pairs": [[golds, prediction], ...], "evaluate":
 * [[{id, gold}], {id: prediction}] or null}. Out: {"pairs": [[em, f1], ...], "evaluate": [em, f1,
 * total, skipped] or null}, `evaluate` as the scorer's loop (a question missing from the predictions
 * is skipped: it adds 0 and still counts), as fractions instead of its percents.
 */
const PYTHON_SCORER = String.raw`
import json, re, sys
PUNCT = ['-', ':', '_', '*', '^', '/', '\\', '~', '\x60', '+', '=', '，', '。', '：', '？', '！', '“', '”', '；', '’',
         '《', '》', '……', '·', '、', '「', '」', '（', '）', '－', '～', '『', '』']
OWN = set('";@#$%&?!()[]{}<>')

def words(run):
    out = []
    for piece in run.split():
        cur = ''
        def flush(cur):
            if len(cur) > 1 and cur[-1] == '.':
                out.extend([cur[:-1], '.'])
            elif cur:
                out.append(cur)
        for i, ch in enumerate(piece):
            nxt = piece[i + 1] if i + 1 < len(piece) else ''
            if ch in OWN or (ch == ',' and not re.match('[0-9]', nxt)):
                flush(cur); cur = ''
                out.append(ch)
            else:
                cur += ch
        flush(cur)
    return out

def segs(s):
    s = s.lower().strip()
    out, run = [], ''
    for ch in s:
        if ch in PUNCT:
            continue
        if re.search('[\u4e00-\u9fa5]', ch):
            out += words(run) + [ch]; run = ''
        else:
            run += ch
    return out + words(run)

def lcs(a, b):
    m = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    best = 0
    for i in range(len(a)):
        for j in range(len(b)):
            if a[i] == b[j]:
                m[i + 1][j + 1] = m[i][j] + 1
                best = max(best, m[i + 1][j + 1])
    return best

def f1(golds, pred):
    scores = [0]
    for g in golds:
        gs, ps = segs(g), segs(pred)
        n = lcs(gs, ps)
        if n == 0:
            continue
        p, r = n / len(ps), n / len(gs)
        scores.append(2 * p * r / (p + r))
    return max(scores)

def rm(s):
    return ''.join(ch for ch in s.lower().strip() if ch not in PUNCT)

def em(golds, pred):
    return 1 if any(rm(g) == rm(pred) for g in golds) else 0

def evaluate(gold, preds):
    total = skip = e = f = 0
    for q in gold:
        total += 1
        qid = q['id'].strip()
        if qid not in preds:
            skip += 1
            continue
        e += em(q['gold'], str(preds[qid]))
        f += f1(q['gold'], str(preds[qid]))
    return [e / total, f / total, total, skip]

request = json.load(sys.stdin)
json.dump({'pairs': [[em(g, p), f1(g, p)] for g, p in request['pairs']],
           'evaluate': evaluate(*request['evaluate']) if request['evaluate'] else None}, sys.stdout)
`;

const PYTHON = '/usr/bin/python3';
const hasPython = existsSync(PYTHON);
if (!hasPython) process.stderr.write(`SKIPPED "CMRC metric against Python": ${PYTHON} not found\n`);

type Pair = [string[], string];
type Gold = { id: string; gold: string[] };

function python(pairs: Pair[], evaluate: [Gold[], Record<string, string>] | null = null): { pairs: [number, number][]; evaluate: number[] | null } {
  const run = spawnSync(PYTHON, ['-c', PYTHON_SCORER], { input: JSON.stringify({ pairs, evaluate }), encoding: 'utf8' });
  expect(run.stderr).toBe('');
  return JSON.parse(run.stdout) as { pairs: [number, number][]; evaluate: number[] | null };
}

/** EM and F1 of each pair by this module equal the Python implementation's (when python3 is there). */
function expectOfficial(...pairs: Pair[]): void {
  if (!hasPython) return;
  const want = python(pairs).pairs;
  pairs.forEach(([golds, pred], i) => {
    expect([emScore(golds, pred), f1Score(golds, pred)], `${JSON.stringify(golds)} vs ${JSON.stringify(pred)}`).toEqual(want[i]);
  });
}

/** The whole evaluation by this module equals the Python implementation's loop. */
function expectOfficialEvaluate(gold: Gold[], preds: Record<string, string>): void {
  if (!hasPython) return;
  const [em, f1, count, unanswered] = python([], [gold, preds]).evaluate!;
  expect(scoreSpans(gold, preds)).toEqual({ em, f1, count, unanswered });
}

describe.skipIf(!hasPython)('CMRC 2018 metric against an independent Python implementation', () => {
  it('agrees on EM and F1 for random mixed Chinese / English / punctuation strings', () => {
    const piece = fc.constantFrom(...'中国北京年冠军', 'a', 'B', 'nba', '3', '2016', ' ', '-', '，', '。', '《', '》', '…', '……', '·', '"', '(', ')', ',', '.', '?', '$', ':', '1,000');
    const text = fc.array(piece, { maxLength: 12 }).map((xs) => xs.join(''));
    const cases = fc.sample(fc.tuple(fc.array(text, { minLength: 1, maxLength: 3 }), text), { numRuns: 2000, seed: 10 });
    // Near-misses matter most: add predictions cut from their first gold.
    for (const [golds] of cases.slice(0, 500)) cases.push([golds, golds[0].slice(1, -1)]);
    const expected = python(cases).pairs;
    cases.forEach(([golds, pred], i) => {
      const got = [emScore(golds, pred), f1Score(golds, pred)];
      if (got[0] !== expected[i][0] || Math.abs(got[1] - expected[i][1]) > 1e-12) {
        expect({ golds, pred, got }).toEqual({ golds, pred, got: expected[i] });
      }
    });
  });
});
