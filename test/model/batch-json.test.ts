import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.js';
import { checkBatchIds, type BatchJson } from '../../src/model/batch-json.js';

const config = { vocabSize: 245, typeVocabSize: 2 };

describe('checkBatchIds', () => {
  it('accepts ids inside vocab_size and type_vocab_size', () => {
    const b: BatchJson = { input_ids: [[2, 244, 0]], token_type_ids: [[0, 1, 1]] };
    expect(() => checkBatchIds(b, config, 'batch.json')).not.toThrow();
  });

  it('refuses an input id at or over vocab_size, naming the file, the position and the limit', () => {
    const b: BatchJson = { input_ids: [[2, 3], [4, 5709]] };
    expect(() => checkBatchIds(b, config, 'batch.json')).toThrow(DataError);
    expect(() => checkBatchIds(b, config, 'batch.json')).toThrow('batch.json: input_ids[1][1] is 5709, but the model\'s vocab_size is 245 (ids 0..244)');
  });

  it('refuses a token type at or over type_vocab_size', () => {
    const b: BatchJson = { input_ids: [[2, 3]], token_type_ids: [[0, 2]] };
    expect(() => checkBatchIds(b, config, 'b.json')).toThrow("b.json: token_type_ids[0][1] is 2, but the model's type_vocab_size is 2 (ids 0..1)");
  });
});
