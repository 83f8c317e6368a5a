/** The report at the end of `distill` never costs the run: a failure to write it is a logged warning. */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { distill } from '../../src/pipeline/run.js';
import { loadRecipe } from '../../src/recipe/load.js';
import { tinyRecipe } from '../pipeline/tiny-run.js';

describe('the report at the end of distill', () => {
  it('a report that cannot be written is a warning in the log, and the run still finishes with its summary and export', async () => {
    const { dir, recipe } = tinyRecipe({ steps: 2 });
    const run = join(dir, 'run');
    // A folder where the report file goes: writing it fails only at the very end.
    const r = await distill(loadRecipe(recipe), { quiet: true, onStep: () => mkdirSync(join(run, 'report.html'), { recursive: true }) });
    expect(r.stages.map((s) => s.stage)).toEqual(['gd', 'ft', 'ti', 'tp']);
    expect(existsSync(join(run, 'summary.json'))).toBe(true);
    expect(existsSync(join(run, 'export', 'model.safetensors'))).toBe(true);
    const log = readFileSync(join(run, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const last = log.at(-1)!;
    expect(last.event).toBe('warning');
    expect(String(last.message)).toMatch(/^the run report was not written \(.*report\.html.*\); try again with "tinybert report .*run"$/);
  });
});
