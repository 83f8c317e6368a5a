/**
 * `export --out` and `create --out` replace only a model folder tinybert wrote (its hidden
 * .tinybert-model marker); anything else is refused in one line and left as it was.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { createModelDir } from '../../src/checkpoint/create.js';
import { exportModel } from '../../src/checkpoint/export.js';
import { MODEL_MARKER } from '../../src/checkpoint/model-dir.js';
import { ROOT } from '../helpers/shared.js';
import { tinyModel, writeTrainingCheckpoint, writeVocab } from './tiny.js';

let tmp: string;
let run: string;
let checkpoint: string;
let vocab: string;

beforeAll(async () => {
  await initBackend('cpu', { quiet: true });
  tmp = mkdtempSync(join(tmpdir(), 'tinybert-out-'));
  vocab = writeVocab(join(tmp, 'vocab'));
  run = join(tmp, 'run');
  checkpoint = join(run, 'task-prediction', 'final');
  const model = tinyModel();
  await writeTrainingCheckpoint(model, checkpoint, vocab);
  model.dispose();
  writeFileSync(join(run, 'run.json'), JSON.stringify({ slots: { student: 'task-prediction/final' }, student: 'student' }));
  writeFileSync(join(run, 'recipe.yaml'), 'name: x\n');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const config = join(ROOT, 'teachers', 'demo-nezha.json');

describe('export --out', () => {
  it('refuses --out the run folder holding the source, and the run survives', async () => {
    const before = readdirSync(run).sort();
    await expect(exportModel(checkpoint, { out: run })).rejects.toThrow(/--out .*run: contains or lies inside the source .*final; export to a folder outside it/);
    expect(readdirSync(run).sort()).toEqual(before);
  });

  it('refuses --out a run folder that is not the source', async () => {
    const other = join(tmp, 'other-run');
    mkdirSync(other);
    writeFileSync(join(other, 'recipe.yaml'), 'name: y\n');
    await expect(exportModel(checkpoint, { out: other })).rejects.toThrow(/other-run: holds a tinybert run, not a model; refusing to replace it/);
    expect(existsSync(join(other, 'recipe.yaml'))).toBe(true);
  });

  it('refuses --out a non-empty folder tinybert did not write', async () => {
    const mine = join(tmp, 'mine');
    mkdirSync(mine);
    writeFileSync(join(mine, 'thesis.tex'), 'keep');
    await expect(exportModel(checkpoint, { out: mine })).rejects.toThrow(/mine: is not a model folder tinybert wrote \(no \.tinybert-model\); refusing to replace it/);
    expect(readFileSync(join(mine, 'thesis.tex'), 'utf8')).toBe('keep');
  });

  it('refuses --out . (the working folder) and a folder holding it', async () => {
    const cwd = process.cwd();
    const here = join(tmp, 'here');
    mkdirSync(join(here, 'sub'), { recursive: true });
    process.chdir(join(here, 'sub'));
    try {
      await expect(exportModel(checkpoint, { out: '.' })).rejects.toThrow(/^\.: is the current folder or holds it/);
      await expect(exportModel(checkpoint, { out: here })).rejects.toThrow(/here: is the current folder or holds it/);
    } finally {
      process.chdir(cwd);
    }
    expect(existsSync(join(here, 'sub'))).toBe(true);
  });

  it('refuses --out inside the source model folder', async () => {
    await expect(exportModel(checkpoint, { out: join(checkpoint, 'export') })).rejects.toThrow(/contains or lies inside the source/);
    await expect(exportModel(run, { out: join(checkpoint, 'export') })).rejects.toThrow(/contains or lies inside the source/);
  });

  it('refuses --out that is a file', async () => {
    const file = join(tmp, 'file.txt');
    writeFileSync(file, 'x');
    await expect(exportModel(checkpoint, { out: file })).rejects.toThrow(/file\.txt: is a file; expected a folder/);
  });

  it('replaces a model folder tinybert wrote, and writes the marker into every export', async () => {
    const out = join(tmp, 'exported');
    await exportModel(checkpoint, { out });
    expect(existsSync(join(out, MODEL_MARKER))).toBe(true);
    writeFileSync(join(out, 'stale.bin'), 'old');
    await exportModel(run, { out, format: 'tfjs' });
    expect(existsSync(join(out, 'stale.bin'))).toBe(false);
    expect(existsSync(join(out, 'model.json'))).toBe(true);
    // Exports of a run folder to a new folder inside it are fine: nothing is replaced.
    await exportModel(run, { out: join(run, 'export-tfjs'), format: 'tfjs' });
  });

  it('removes temporaries that killed exports left beside --out, and only those', async () => {
    const child = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => child.on('exit', r));
    const dead = child.pid!;
    const side = join(tmp, 'side');
    mkdirSync(side);
    mkdirSync(join(side, `.model.tmp-${dead}-1700000000000`));
    mkdirSync(join(side, `.model.old-${dead}-1700000000000-3`));
    mkdirSync(join(side, `.other.tmp-${dead}-1700000000000`));
    writeFileSync(join(side, 'model.tmp'), '');
    await exportModel(checkpoint, { out: join(side, 'model') });
    expect(readdirSync(side).sort()).toEqual([`.other.tmp-${dead}-1700000000000`, 'model', 'model.tmp']);
  });
});

describe('create --out', () => {
  it('refuses --out a non-empty folder tinybert did not write', async () => {
    const mine = join(tmp, 'project');
    mkdirSync(mine);
    writeFileSync(join(mine, 'notes.txt'), 'keep');
    await expect(createModelDir({ config, out: mine })).rejects.toThrow(/project: is not a model folder tinybert wrote/);
    expect(readdirSync(mine)).toEqual(['notes.txt']);
  });

  it('replaces a model folder it created before', async () => {
    const out = join(tmp, 'created');
    await createModelDir({ config, out, vocab });
    await createModelDir({ config, out, seed: 1 });
    expect(readdirSync(out).sort()).toEqual([MODEL_MARKER, 'config.json', 'model.safetensors'].sort());
  });
});
