/**
 * Output-path mistakes through the built CLI: each is one line `tinybert: error: ...`, exit 1, no
 * stack trace, and nothing of the user's is removed.
 */
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { immutableWorks, withReadOnly } from '../helpers/read-only.js';
import { ROOT } from '../helpers/shared.js';
import { tinyRecipe } from '../pipeline/tiny-run.js';
import { expectUserError, tinybertIn } from '../helpers/cli.js';

const tinybert = (args: string[], cwd = ROOT) => tinybertIn(cwd, args);

let tmp: string;
let model: string;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'tb-paths-'));
  model = join(tmp, 'model');
  const c = tinybert(['create', '--config', 'teachers/demo-nezha.json', '--out', model, '--vocab', 'recipes/demo/vocab.txt']);
  expect(c.code, c.stderr).toBe(0);
  writeFileSync(join(tmp, 'batch.json'), JSON.stringify({ input_ids: [[2, 10, 3]] }));
});

describe('distill output_dir', () => {
  it('an output_dir under a regular file is one line naming the path', () => {
    const { recipe } = tinyRecipe({ steps: 1 });
    expectUserError(tinybert(['distill', recipe, '--set', 'output_dir=data/train.tsv/run']), /train\.tsv\/run: a part of this path is a file, not a folder$/);
  });

  it('an output_dir that is a file is one line', () => {
    const { recipe } = tinyRecipe({ steps: 1 });
    expectUserError(tinybert(['distill', recipe, '--set', 'output_dir=data/train.tsv']), /train\.tsv: output_dir is a file; expected a folder for the run$/);
  });

  it.skipIf(!immutableWorks())('an output_dir in a read-only folder is one line naming the path', () => {
    const { dir, recipe } = tinyRecipe({ steps: 1 });
    const ro = join(dir, 'ro');
    mkdirSync(ro);
    const r = withReadOnly(ro, () => tinybert(['distill', recipe, '--set', 'output_dir=ro/run']));
    expectUserError(r, /ro\/run: operation not permitted \(read-only or immutable\?\)$/);
    expect(readdirSync(ro)).toEqual([]);
  });

  it('--resume --overwrite together is refused', () => {
    const { recipe } = tinyRecipe({ steps: 1 });
    expectUserError(tinybert(['distill', recipe, '--resume', '--overwrite']), /--resume and --overwrite exclude each other/);
  });

  it('--allow-changes without --resume is refused', () => {
    const { recipe } = tinyRecipe({ steps: 1 });
    expectUserError(tinybert(['distill', recipe, '--allow-changes']), /--allow-changes only applies with --resume/);
  });
});

describe('export, create and forward --out', () => {
  it('export --out . is one line and removes nothing', () => {
    const here = join(tmp, 'here');
    mkdirSync(here);
    writeFileSync(join(here, 'keep.txt'), 'x');
    expectUserError(tinybert(['export', model, '--out', '.'], here), /^tinybert: error: \.: is the current folder or holds it/);
    expect(readdirSync(here)).toEqual(['keep.txt']);
  });

  it('export --out the folder holding the model is one line, and the model survives', () => {
    expectUserError(tinybert(['export', model, '--out', tmp]), /contains or lies inside the source/);
    expect(readdirSync(model)).toContain('model.safetensors');
  });

  it.skipIf(!immutableWorks())('export --out in a read-only folder is one line', () => {
    const ro = join(tmp, 'ro-export');
    mkdirSync(ro);
    const r = withReadOnly(ro, () => tinybert(['export', model, '--out', join(ro, 'student')]));
    expectUserError(r, /ro-export\/student: operation not permitted \(read-only or immutable\?\)$/);
  });

  it('create --out a file is one line', () => {
    const file = join(tmp, 'a-file');
    writeFileSync(file, 'x');
    expectUserError(tinybert(['create', '--config', 'teachers/demo-nezha.json', '--out', file]), /a-file: is a file; expected a folder to write the model to$/);
  });

  it('forward --out DIR is one line suggesting a file name', () => {
    expectUserError(tinybert(['forward', model, '--inputs', join(tmp, 'batch.json'), '--out', tmp]), /--out .*: is a folder; give a file name such as .*outputs\.json$/);
  });

  it('forward --out under a file is one line', () => {
    expectUserError(tinybert(['forward', model, '--inputs', join(tmp, 'batch.json'), '--out', join(tmp, 'batch.json', 'out.json')]), /batch\.json: is a file, expected a folder$/);
  });
});
