/**
 * The run folder's marker, lock, recipe comparison on --resume, done.json and temporaries left by
 * killed processes (src/pipeline/run-dir.ts), through `distill()` where a user meets them.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRecipe, recipeToYaml } from '../../src/recipe/load.js';
import { RUN_LOCK, RUN_MARKER } from '../../src/recipe/run-files.js';
import { checkResumedRecipe, openRunDir, readStageDone, recipeChanges } from '../../src/pipeline/run-dir.js';
import { distill } from '../../src/pipeline/run.js';
import { tinyRecipe } from './tiny-run.js';

/** A pid that is certainly dead: a child that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((r) => child.on('exit', r));
  return child.pid!;
}

function fakeLock(dir: string, pid: number): void {
  writeFileSync(join(dir, RUN_LOCK), JSON.stringify({ pid, host: hostname(), started: '2026-01-01T00:00:00.000Z' }));
}

/** A marked run folder whose recipe.yaml was saved from `recipe` (as a started run leaves it). */
function startedRun(recipePath: string, overrides: string[] = []): string {
  const recipe = loadRecipe(recipePath, overrides);
  mkdirSync(recipe.output_dir, { recursive: true });
  writeFileSync(join(recipe.output_dir, RUN_MARKER), '');
  writeFileSync(join(recipe.output_dir, 'recipe.yaml'), recipeToYaml(recipe));
  return recipe.output_dir;
}

describe('run folder marker', () => {
  it('refuses --overwrite on a folder tinybert did not create (output_dir: . in a project)', async () => {
    const { dir, recipe } = tinyRecipe({ steps: 1 });
    const before = readdirSync(dir).sort();
    await expect(distill(loadRecipe(recipe, ['output_dir=.']), { quiet: true, overwrite: true })).rejects.toThrow(
      /: output_dir is a non-empty folder tinybert did not create \(no \.tinybert-run\); refusing to run in it or delete it/,
    );
    expect(readdirSync(dir).sort()).toEqual(before);
    expect(readFileSync(join(dir, 'data', 'train.tsv'), 'utf8').length).toBeGreaterThan(0);
  });

  it('refuses to start a run in a non-empty folder without the marker, with or without --resume', async () => {
    const { dir, recipe } = tinyRecipe({ steps: 1 });
    mkdirSync(join(dir, 'mine'));
    writeFileSync(join(dir, 'mine', 'notes.txt'), 'keep me');
    for (const opts of [{}, { resume: true }]) {
      await expect(distill(loadRecipe(recipe, ['output_dir=mine']), { quiet: true, ...opts })).rejects.toThrow(/mine: output_dir is a non-empty folder tinybert did not create/);
    }
    expect(readdirSync(join(dir, 'mine'))).toEqual(['notes.txt']);
  });

  it('an output_dir that is a file is refused in one line', async () => {
    const { recipe } = tinyRecipe({ steps: 1 });
    await expect(distill(loadRecipe(recipe, ['output_dir=data/train.tsv']), { quiet: true })).rejects.toThrow(
      /train\.tsv: output_dir is a file; expected a folder for the run/,
    );
  });

  it('--overwrite removes only the run files and stage folders of a run tinybert created', async () => {
    const { dir, recipe } = tinyRecipe({ steps: 1 });
    await distill(loadRecipe(recipe), { quiet: true });
    const run = join(dir, 'run');
    writeFileSync(join(run, 'notes.txt'), 'a person put this here');
    writeFileSync(join(run, 'gd', 'final', 'stale.bin'), 'x');
    mkdirSync(join(run, `.final.tmp-${process.pid}-1700000000000`));
    // A stage of the saved recipe that the new recipe dropped goes too.
    mkdirSync(join(run, 'old-stage'));
    writeFileSync(join(run, 'recipe.yaml'), readFileSync(join(run, 'recipe.yaml'), 'utf8').replace('name: tp', 'name: old-stage'));
    await distill(loadRecipe(recipe), { quiet: true, overwrite: true });
    const entries = readdirSync(run).sort();
    expect(entries).toEqual([RUN_MARKER, 'export', 'ft', 'gd', 'log.jsonl', 'notes.txt', 'recipe.yaml', 'report.html', 'report.json', 'report.md', 'run.json', 'summary.json', 'ti', 'tp'].sort());
    expect(existsSync(join(run, 'gd', 'final', 'stale.bin'))).toBe(false);
    expect(readFileSync(join(run, 'log.jsonl'), 'utf8').match(/run-start/g)).toHaveLength(1);
  });

  it('refuses --resume and --overwrite together', async () => {
    const { recipe } = tinyRecipe({ steps: 1 });
    await expect(distill(loadRecipe(recipe), { quiet: true, resume: true, overwrite: true })).rejects.toThrow(/--resume and --overwrite exclude each other/);
  });
});

describe('run folder lock', () => {
  it('refuses a second run while the lock holder lives, naming its pid', async () => {
    const { dir, recipe } = tinyRecipe({ steps: 1 });
    const out = startedRun(recipe);
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      fakeLock(out, holder.pid!);
      await expect(distill(loadRecipe(recipe), { quiet: true, resume: true })).rejects.toThrow(
        new RegExp(`run: in use by another tinybert run \\(pid ${holder.pid}, since 2026-01-01T00:00:00.000Z\\)`),
      );
      expect(JSON.parse(readFileSync(join(out, RUN_LOCK), 'utf8')).pid).toBe(holder.pid);
    } finally {
      holder.kill('SIGKILL');
    }
    expect(existsSync(join(dir, 'run', 'gd'))).toBe(false);
  });

  it('a stale lock (dead pid) does not block --resume, and the lock is gone after the run', async () => {
    const { recipe } = tinyRecipe({ steps: 1 });
    const out = startedRun(recipe);
    fakeLock(out, await deadPid());
    const r = await distill(loadRecipe(recipe), { quiet: true, resume: true });
    expect(r.stages).toHaveLength(4);
    expect(existsSync(join(out, RUN_LOCK))).toBe(false);
  });

  it('the lock holds our pid while the run is open and is released after', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'tb-lock-')), 'run');
    const run = openRunDir(out);
    expect(JSON.parse(readFileSync(join(out, RUN_LOCK), 'utf8')).pid).toBe(process.pid);
    expect(() => openRunDir(out)).toThrow(/in use by another tinybert run \(this process/);
    run.release();
    expect(existsSync(join(out, RUN_LOCK))).toBe(false);
  });
});

describe('--resume compares the recipe with the saved one', () => {
  it('refuses --resume after the recipe changed, listing the fields that differ', async () => {
    const { recipe } = tinyRecipe({ steps: 1 });
    const out = startedRun(recipe);
    const saved = readFileSync(join(out, 'recipe.yaml'), 'utf8');
    await expect(distill(loadRecipe(recipe, ['stages.2.batch_size=4', 'seed=7']), { quiet: true, resume: true })).rejects.toThrow(
      /recipe\.yaml: the recipe differs from the one this run was started with: seed: 5 -> 7; stages\[2\]\.batch_size: 16 -> 4; resuming would mix two recipes/,
    );
    expect(readFileSync(join(out, 'recipe.yaml'), 'utf8')).toBe(saved);
  });

  it('--allow-changes accepts more steps and log_every for unfinished stages but still refuses a batch size', () => {
    const { recipe } = tinyRecipe({ steps: 1 });
    const out = startedRun(recipe);
    const safe = loadRecipe(recipe, ['stages.0.steps=5', 'stages.1.log_every=1', 'stages.3.checkpoint_every=2']);
    expect(() => checkResumedRecipe(out, safe)).toThrow(/stages\[0\]\.steps: 1 -> 5; .*--allow-changes accepts only more steps/);
    expect(checkResumedRecipe(out, safe, true).map((c) => c.path)).toEqual(['stages[0].steps', 'stages[1].log_every', 'stages[3].checkpoint_every']);
    const unsafe = loadRecipe(recipe, ['stages.0.steps=5', 'stages.0.batch_size=4']);
    expect(() => checkResumedRecipe(out, unsafe, true)).toThrow(/stages\[0\]\.batch_size: 8 -> 4; .*not allowed even with --allow-changes/);
    expect(checkResumedRecipe(out, loadRecipe(recipe), true)).toEqual([]);
  });

  it('--allow-changes resumes with more steps, logs the accepted changes and only then rewrites recipe.yaml', async () => {
    const { recipe } = tinyRecipe({ steps: 1 });
    const out = startedRun(recipe);
    const r = await distill(loadRecipe(recipe, ['stages.0.steps=2']), { quiet: true, resume: true, allowChanges: true });
    expect(r.stages[0].steps).toBe(2);
    const log = readFileSync(join(out, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(log.find((e) => e.event === 'recipe-changed').changes).toEqual([{ path: 'stages[0].steps', from: 1, to: 2 }]);
    expect(readFileSync(join(out, 'recipe.yaml'), 'utf8')).toMatch(/name: gd\n\s+kind: general[\s\S]*?steps: 2\n/);
  });

  it('--allow-changes refuses more steps for a stage that already finished', () => {
    const { recipe } = tinyRecipe({ steps: 1 });
    const out = startedRun(recipe);
    mkdirSync(join(out, 'gd'));
    writeFileSync(join(out, 'gd', 'done.json'), '{}');
    expect(() => checkResumedRecipe(out, loadRecipe(recipe, ['stages.0.steps=5']), true)).toThrow(/stages\[0\]\.steps: 1 -> 5; .*not allowed even with --allow-changes/);
  });

  it('a run started before a new defaulted field (teacher_cache, masking) resumes: the saved recipe gets today\'s defaults', () => {
    const { recipe } = tinyRecipe({ steps: 1 });
    const out = startedRun(recipe);
    const file = join(out, 'recipe.yaml');
    const older = readFileSync(file, 'utf8').replace(/^\s*(teacher_cache|masking): .*\n/gm, '');
    expect(older).not.toMatch(/teacher_cache|masking/);
    writeFileSync(file, older);
    expect(checkResumedRecipe(out, loadRecipe(recipe))).toEqual([]);
    // A real change is still one.
    expect(() => checkResumedRecipe(out, loadRecipe(recipe, ['seed=7']))).toThrow(/seed: 5 -> 7; resuming would mix/);
  });

  it('a moved run folder does not count output_dir as a change', () => {
    const { dir, recipe } = tinyRecipe({ steps: 1 });
    const out = startedRun(recipe);
    expect(checkResumedRecipe(out, loadRecipe(recipe, [`output_dir=${join(dir, 'elsewhere')}`]))).toEqual([]);
  });

  it('recipeChanges names list items and added or removed keys', () => {
    expect(recipeChanges({ a: [1, { b: 2 }], c: 1 }, { a: [1, { b: 3 }, 4], d: 1 }).map((c) => c.path)).toEqual(['a[1].b', 'a[2]', 'c', 'd']);
  });
});

describe('done.json', () => {
  it('a truncated done.json is a one-line error naming the file', async () => {
    const { recipe } = tinyRecipe({ steps: 1 });
    const out = startedRun(recipe);
    mkdirSync(join(out, 'gd'));
    writeFileSync(join(out, 'gd', 'done.json'), '{"stage": "gd", "outp');
    const err = await distill(loadRecipe(recipe), { quiet: true, resume: true }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe('CheckpointError');
    expect((err as Error).message).toMatch(/gd\/done\.json: cannot read the stage result \(.*\); delete it to run the stage again$/);
    expect((err as Error).message).not.toContain('\n');
  });

  it('a done.json with a wrong field names the field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tb-done-'));
    writeFileSync(join(dir, 'done.json'), JSON.stringify({ stage: 'gd', output: 7, steps: 1, seconds: 1, warnings: [] }));
    expect(() => readStageDone(dir, join(dir, 'done.json'))).toThrow(/done\.json: output: expected string, saw number 7; delete the file to run the stage again/);
  });

  it('reads the absolute output paths older runs stored, and resolves relative ones against the run', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tb-done-'));
    const base = { stage: 'gd', steps: 1, seconds: 1, warnings: [] };
    writeFileSync(join(dir, 'done.json'), JSON.stringify({ ...base, output: '/old/run/gd/final' }));
    expect(readStageDone(dir, join(dir, 'done.json')).output).toBe('/old/run/gd/final');
    writeFileSync(join(dir, 'done.json'), JSON.stringify({ ...base, output: 'gd/final' }));
    expect(readStageDone(dir, join(dir, 'done.json')).output).toBe(join(dir, 'gd', 'final'));
  });
});

describe('temporaries left by killed processes', () => {
  it('removes our dead temporaries when a run opens and leaves living and foreign entries', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'tb-temps-')), 'run');
    openRunDir(out).release();
    const dead = await deadPid();
    const stage = join(out, 'gd');
    mkdirSync(join(stage, `.final.tmp-${dead}-1700000000000`), { recursive: true });
    mkdirSync(join(stage, `.checkpoint.ckpt-${dead}-1700000000000`));
    writeFileSync(join(stage, `.done.json.${dead}.0.tmp`), '');
    writeFileSync(join(out, `.recipe.yaml.${dead}.3.tmp`), '');
    const living = [`.final.tmp-${process.pid}-1700000000000`, `.checkpoint.ckpt-1-1700000000000`];
    for (const name of living) mkdirSync(join(stage, name));
    const foreign = ['.final.tmp-abc', 'notes.tmp', `.mine-${dead}`];
    for (const name of foreign) writeFileSync(join(stage, name), '');
    openRunDir(out, { resume: true }).release();
    expect(readdirSync(stage).sort()).toEqual([...living, ...foreign].sort());
    expect(readdirSync(out).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
});
