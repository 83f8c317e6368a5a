import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { distill } from '../../src/pipeline/run.js';
import { loadRecipe } from '../../src/recipe/load.js';
import { tinyRecipe } from './tiny-run.js';

describe('data warnings in the run log', () => {
  it('invalid UTF-8 in a task file is written to log.jsonl with its line, once', async () => {
    const run = tinyRecipe({ steps: 1 });
    // A GBK-encoded review: not valid UTF-8.
    appendFileSync(join(run.dir, 'data', 'train.tsv'), Buffer.concat([Buffer.from('1\t'), Buffer.from([0xba, 0xc3, 0xc6, 0xc0]), Buffer.from('\n')]));
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const recipe = loadRecipe(run.recipe, ['stages.gd=null', 'stages.ti=null']);
      await distill(recipe, { quiet: true });
    } finally {
      stderr.mockRestore();
    }
    const events = readFileSync(join(run.dir, 'run', 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { event: string; message?: string });
    const utf8 = events.filter((e) => e.event === 'warning' && e.message?.includes('invalid UTF-8'));
    expect(utf8).toHaveLength(1);
    expect(utf8[0].message).toContain(`${join(run.dir, 'data', 'train.tsv')}:162: invalid UTF-8`);
  });
});
