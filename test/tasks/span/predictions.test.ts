/**
 * The official prediction JSON: `{"question_id": "answer text"}`, one entry per question, and it
 * round-trips through the CMRC 2018 scorer's rules.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../../src/errors.js';
import { scoreSpans } from '../../../src/tasks/span/cmrc-metric.js';
import { predictionJson, predictionObject, writePredictionJson } from '../../../src/tasks/span/predictions.js';

describe('prediction JSON', () => {
  it('maps every question id to its answer, "" for a question without a span, characters unescaped', () => {
    const preds = [
      { id: 'DEV_0_QUERY_0', text: '光荣和ω-force' },
      { id: 'DEV_0_QUERY_1', text: '' },
    ];
    expect(predictionJson(preds)).toBe('{\n  "DEV_0_QUERY_0": "光荣和ω-force",\n  "DEV_0_QUERY_1": ""\n}\n');
  });

  it('keeps an id named __proto__ as an ordinary entry', () => {
    expect(JSON.parse(predictionJson([{ id: '__proto__', text: 'x' }]))).toEqual(JSON.parse('{"__proto__": "x"}'));
  });

  it('refuses a repeated question id, which would silently keep one of two answers', () => {
    expect(() => predictionObject([{ id: 'Q', text: 'a' }, { id: 'Q', text: 'b' }])).toThrow(
      new DataError('prediction file: question id "Q" appears twice; expected one answer per question'),
    );
  });

  it('writes the file atomically and the scorer reads it back', () => {
    const dir = mkdtempSync(join(tmpdir(), 'span-pred-'));
    const path = join(dir, 'sub', 'predictions.json');
    writePredictionJson(path, [{ id: 'A', text: '北京' }, { id: 'B', text: '上海' }]);
    expect(readdirSync(join(dir, 'sub'))).toEqual(['predictions.json']);
    const read = JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>;
    expect(scoreSpans([{ id: 'A', gold: ['北京'] }, { id: 'B', gold: ['广州'] }, { id: 'C', gold: ['深圳'] }], read)).toEqual({
      em: 1 / 3,
      f1: 1 / 3,
      count: 3,
      unanswered: 1,
    });
  });
});
