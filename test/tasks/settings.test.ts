/**
 * Task settings recorded with a trained model: what each kind records, and when eval / predict / the
 * browser lay them over a file's or raw text's defaults (only at the recorded sequence length).
 */
import { describe, expect, it } from 'vitest';
import { TASK_INFERENCE } from '../../src/tasks/inference-registry.js';
import { applySettings, recordSettings, settingsMaxSeqLength } from '../../src/tasks/settings.js';

const kind = (name: string) => TASK_INFERENCE.find((m) => m.kind === name)!;
const labels = { numLabels: 3, labels: ['O', 'B-X', 'I-X'] };

describe('task settings', () => {
  it('span records the window and decoding options beside the sequence length', () => {
    const span = kind('span');
    const trained = { ...span.textConfig(256, labels), doc_stride: 100, max_query_length: 32, max_answer_length: 50, n_best_size: 10 };
    expect(recordSettings(span, trained, 256)).toEqual({ max_seq_length: 256, doc_stride: 100, max_query_length: 32, max_answer_length: 50, n_best_size: 10 });
  });

  it('classification records only the sequence length', () => {
    const c = kind('classification');
    expect(recordSettings(c, c.textConfig(64, labels), 64)).toEqual({ max_seq_length: 64 });
  });

  it('the recorded settings replace the defaults at the recorded length, and not at another', () => {
    const ner = kind('token-classification');
    const settings = recordSettings(ner, { ...ner.textConfig(200, labels), stride: 90 }, 200);
    expect(settingsMaxSeqLength(undefined, settings)).toBe(200);
    expect(settingsMaxSeqLength(64, settings)).toBe(64);
    expect(settingsMaxSeqLength(undefined, undefined)).toBe(128);
    const at200 = applySettings(ner, ner.textConfig(200, labels), settings, 200) as { stride: number };
    expect(at200.stride).toBe(90);
    const at64 = applySettings(ner, ner.textConfig(64, labels), settings, 64) as { stride: number };
    expect(at64.stride).toBe((ner.textConfig(64, labels) as { stride: number }).stride);
    expect(at64.stride).not.toBe(90);
  });
});
