/**
 * The run folder's housekeeping, so that nothing is lost and nothing is silently mixed:
 *
 *   .tinybert-run    marker written when tinybert creates the folder (new or empty); only a marked
 *                    folder is ever run in, resumed or cleared by --overwrite (which removes only
 *                    the run's files and stage folders)
 *   .tinybert-lock   {"pid", "host", "started"} of the living `distill`; a second one is refused
 *                    while that pid lives, a dead pid's lock (crash, kill) is taken over
 *   recipe.yaml      on --resume the new resolved recipe is compared with it field by field
 *   <stage>/done.json  the stage result, paths relative to the run folder so a copied or moved
 *                    run resumes from and exports its own models
 *
 * Temporaries left by killed processes (src/util/fs.ts names them) are removed when a run opens.
 */
import { hostname } from 'node:os';
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { CheckpointError, RecipeError, show } from '../errors.js';
import { parseRecipe, recipeToYaml } from '../recipe/load.js';
import { RUN_FILES, RUN_LOCK, RUN_MARKER } from '../recipe/run-files.js';
import type { Recipe } from '../recipe/schema.js';
import { isWithin, pidAlive, removeDeadTemps, tempOwner, writeTextAtomic } from '../util/fs.js';
import { validate } from '../util/validate.js';
import type { Scores } from './score.js';

export interface OpenRunOptions {
  resume?: boolean;
  overwrite?: boolean;
  /** Stage names of the recipe about to run: with the saved recipe's, what --overwrite removes. */
  stages?: string[];
}

/** An open run folder: marked, locked by this process, cleaned of dead temporaries. */
export interface RunDir {
  dir: string;
  /** True when the folder already held a run (recipe.yaml) that is being resumed. */
  resuming: boolean;
  /** Removes the lock (only if it is still ours). */
  release(): void;
}

/** Opens `out` for a run; every refusal is one line and leaves the folder untouched. */
export function openRunDir(out: string, opts: OpenRunOptions = {}): RunDir {
  const entries = listFolder(out);
  if (entries === undefined || entries.length === 0) {
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, RUN_MARKER), 'created by tinybert distill: a run folder tinybert may resume or overwrite\n');
  } else if (!entries.includes(RUN_MARKER)) {
    throw new RecipeError(
      `${out}: output_dir is a non-empty folder tinybert did not create (no ${RUN_MARKER}); refusing to run in it or delete it, choose a new or empty folder`,
    );
  }
  const release = acquireLock(out);
  try {
    const earlier = existsSync(join(out, RUN_FILES.recipe));
    if (earlier && !opts.resume && !opts.overwrite) {
      throw new RecipeError(`${out}: holds an earlier run; pass --resume to continue it or --overwrite to start over`);
    }
    if (opts.overwrite) {
      // Only what a run writes: its files, its stage folders (this recipe's and the saved one's),
      // our temporaries. The marker and our lock stay, and so does anything a person put there.
      const ours = new Set<string>([...Object.values(RUN_FILES), ...(opts.stages ?? []), ...savedStageNames(out)]);
      for (const name of readdirSync(out)) {
        if (ours.has(name) || tempOwner(name) !== undefined) rmSync(join(out, name), { recursive: true, force: true });
      }
    } else {
      removeDeadTemps(out, { depth: 1 });
    }
    return { dir: out, resuming: earlier && Boolean(opts.resume), release };
  } catch (e) {
    release();
    throw e;
  }
}

/** Stage names in the run's saved recipe.yaml (none when it is missing or unreadable). */
function savedStageNames(out: string): string[] {
  try {
    const saved = parse(readFileSync(join(out, RUN_FILES.recipe), 'utf8')) as { stages?: { name?: unknown }[] };
    return (saved.stages ?? []).map((st) => st.name).filter((n): n is string => typeof n === 'string');
  } catch {
    return [];
  }
}

/** Entries of folder `path`; undefined when it does not exist; a RecipeError when it is a file. */
function listFolder(path: string): string[] | undefined {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  if (!st.isDirectory()) throw new RecipeError(`${path}: output_dir is a file; expected a folder for the run`);
  return readdirSync(path);
}

const lockSchema = z.object({ pid: z.number().int(), host: z.string(), started: z.string() });
type Lock = z.infer<typeof lockSchema>;

function readLock(path: string): Lock | undefined {
  try {
    const r = lockSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the run folder's lock or refuses naming its holder. The lock is written to a temporary
 * file and hard-linked into place: the link fails if a lock exists, so two processes can never
 * both hold one. A lock whose pid is dead (on this host) is stale and taken over; a malformed one
 * too, since it is never half-written.
 */
function acquireLock(out: string): () => void {
  const path = join(out, RUN_LOCK);
  const mine: Lock = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
  const temp = join(out, `.${RUN_LOCK}.${process.pid}.0.tmp`);
  writeFileSync(temp, `${JSON.stringify(mine)}\n`);
  try {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        linkSync(temp, path);
        return () => {
          if (readLock(path)?.pid === mine.pid && readLock(path)?.started === mine.started) rmSync(path, { force: true });
        };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const holder = readLock(path);
      if (holder && (holder.host !== mine.host || pidAlive(holder.pid))) {
        const who = holder.pid === process.pid ? 'this process' : `pid ${holder.pid}${holder.host !== mine.host ? ` on ${holder.host}` : ''}`;
        throw new RecipeError(
          `${out}: in use by another tinybert run (${who}, since ${holder.started}); wait for it to end or stop it (if that pid is not tinybert, delete ${path})`,
        );
      }
      rmSync(path, { force: true });
    }
    throw new RecipeError(`${out}: could not take the run lock ${RUN_LOCK}; another process keeps replacing it`);
  } finally {
    rmSync(temp, { force: true });
  }
}

export interface RecipeChange {
  /** `stages[2].batch_size` */
  path: string;
  from: unknown;
  to: unknown;
}

/** Field-by-field differences between two plain (YAML-parsed) recipes. */
export function recipeChanges(saved: unknown, current: unknown, path = ''): RecipeChange[] {
  const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (Array.isArray(saved) && Array.isArray(current)) {
    const n = Math.max(saved.length, current.length);
    return Array.from({ length: n }, (_, i) => recipeChanges(saved[i], current[i], `${path}[${i}]`)).flat();
  }
  if (isObj(saved) && isObj(current)) {
    const keys = [...new Set([...Object.keys(saved), ...Object.keys(current)])];
    return keys.flatMap((k) => recipeChanges(saved[k], current[k], path ? `${path}.${k}` : k));
  }
  return JSON.stringify(saved) === JSON.stringify(current) ? [] : [{ path, from: saved, to: current }];
}

/**
 * Changes `--allow-changes` accepts on --resume: they alter neither the data, the models nor the
 * updates already made. More steps or epochs for a stage that has not finished (it trains
 * longer; its schedule stretches to the new total), the logging and checkpoint cadence, and the
 * compute engine.
 */
export const SAFE_CHANGES = 'more steps or epochs for an unfinished stage, log_every, checkpoint_every, backend';

export function isSafeChange(c: RecipeChange, stageFinished: (index: number) => boolean): boolean {
  if (c.path === 'backend') return true;
  const m = /^stages\[(\d+)\]\.(\w+)$/.exec(c.path);
  if (!m) return false;
  const [, index, key] = m;
  if (key === 'log_every' || key === 'checkpoint_every') return true;
  const more = typeof c.from === 'number' && typeof c.to === 'number' && c.to > c.from;
  return (key === 'steps' || key === 'epochs') && more && !stageFinished(Number(index));
}

function formatChanges(changes: RecipeChange[]): string {
  const value = (v: unknown) => (v === undefined ? '(none)' : show(v, 40));
  const shown = changes.slice(0, 6).map((c) => `${c.path}: ${value(c.from)} -> ${value(c.to)}`);
  return shown.join('; ') + (changes.length > 6 ? `; … (${changes.length - 6} more)` : '');
}

/**
 * On --resume: refuses when `recipe` differs from the run's saved recipe.yaml (the weights were
 * made by the saved one), except for SAFE_CHANGES when `allowChanges` is set. `output_dir` is not
 * compared, so a moved or copied run resumes. Only after this may recipe.yaml be rewritten.
 */
export function checkResumedRecipe(out: string, recipe: Recipe, allowChanges = false): RecipeChange[] {
  const file = join(out, RUN_FILES.recipe);
  let saved: unknown;
  try {
    saved = parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new RecipeError(`${file}: cannot read the run's saved recipe (${(e as Error).message})`);
  }
  const current: unknown = parse(recipeToYaml(recipe));
  const withoutOut = (r: unknown) => (r !== null && typeof r === 'object' ? { ...r, output_dir: undefined } : r);
  const changes = recipeChanges(withoutOut(withTodaysDefaults(saved, file, out)), withoutOut(current));
  if (changes.length === 0) return [];
  const finished = (i: number) => recipe.stages[i] !== undefined && existsSync(join(out, recipe.stages[i].name, 'done.json'));
  const unsafe = changes.filter((c) => !allowChanges || !isSafeChange(c, finished));
  if (unsafe.length === 0) return changes;
  const hint = allowChanges
    ? `not allowed even with --allow-changes (only ${SAFE_CHANGES})`
    : `--allow-changes accepts only ${SAFE_CHANGES}`;
  throw new RecipeError(
    `${file}: the recipe differs from the one this run was started with: ${formatChanges(unsafe)}; resuming would mix two recipes in one run (${hint}); use a new output_dir or --overwrite`,
  );
}

/**
 * The saved recipe resolved again by today's schema, so a field a newer tinybert added with a default
 * (e.g. `teacher_cache`) is not a change of a run started before it; as written when it no longer parses
 * (then every difference is reported).
 */
function withTodaysDefaults(saved: unknown, file: string, out: string): unknown {
  try {
    return parse(recipeToYaml(parseRecipe(saved, { file }, out)));
  } catch {
    return saved;
  }
}

/** A path as stored in the run folder's files: relative when inside the run, else absolute. */
export function runRelative(out: string, path: string): string {
  return isWithin(path, out) ? relative(resolve(out), resolve(path)) || '.' : resolve(path);
}

const doneSchema = z.looseObject({
  stage: z.string(),
  output: z.string().min(1),
  steps: z.number(),
  seconds: z.number(),
  scores: z.record(z.string(), z.unknown()).optional(),
  warnings: z.array(z.string()),
});

/** What a finished stage hands on; `<stage>/done.json` holds it (with the best evaluation). */
export interface StageResult {
  stage: string;
  /** Model directory the stage hands to later stages (best by metric, else final). */
  output: string;
  steps: number;
  seconds: number;
  /** Dev scores of `output` (the best checkpoint's when one was kept). */
  scores?: Scores;
  warnings: string[];
}

/** Writes `<stage>/done.json` atomically, the output relative to the run folder. */
export function writeStageDone(out: string, stageDir: string, result: StageResult, best: unknown): void {
  writeTextAtomic(join(stageDir, 'done.json'), `${JSON.stringify({ ...result, output: runRelative(out, result.output), best }, null, 2)}\n`);
}

/** Reads a finished stage's result; its output resolved against the run folder (old absolute ones kept). */
export function readStageDone(out: string, path: string): StageResult {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new CheckpointError(`${path}: cannot read the stage result (${(e as Error).message}); delete it to run the stage again`);
  }
  let done: z.infer<typeof doneSchema>;
  try {
    done = validate(doneSchema, raw, path, CheckpointError);
  } catch (e) {
    throw new CheckpointError(`${(e as Error).message}; delete the file to run the stage again`);
  }
  const output = isAbsolute(done.output) ? done.output : resolve(out, done.output);
  return { ...(done as StageResult), output };
}
