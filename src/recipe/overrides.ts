/**
 * `--set a.b.c=value` overrides, applied to the raw recipe before validation so an override is
 * checked exactly like the file. The value is parsed as a YAML scalar or flow collection
 * (`1e-4`, `true`, `[attention, hidden]`, `{name: adamw}`); `null` or `~` removes the key (restoring
 * its default) or the list item (`stages.finetune-teacher=null` drops a stage). Path segments index lists by number, and `stages` also by stage name
 * (`stages.general.steps=10`).
 */
import { parseDocument } from 'yaml';
import { RecipeError, show } from '../errors.js';
import { formatPath } from '../util/validate.js';

export interface Override {
  /** The flag text as given, for messages. */
  spec: string;
  /** Dotted path split into segments. */
  keys: string[];
  value: unknown;
}

const UNSAFE_KEYS = ['__proto__', 'constructor', 'prototype'];

export function parseOverride(spec: string): Override {
  const eq = spec.indexOf('=');
  if (eq <= 0) throw new RecipeError(`--set ${spec}: expected key.path=value`);
  const keys = spec.slice(0, eq).trim().split('.');
  if (keys.some((k) => k === '')) throw new RecipeError(`--set ${spec}: empty segment in the key path "${spec.slice(0, eq)}"`);
  // Writing through these would change every object in the process, not the recipe.
  const unsafe = keys.find((k) => UNSAFE_KEYS.includes(k));
  if (unsafe) throw new RecipeError(`--set ${spec}: "${unsafe}" is not a recipe field (no recipe key may be named ${UNSAFE_KEYS.join(', ')})`);
  let value: unknown;
  try {
    const doc = parseDocument(spec.slice(eq + 1));
    const problem = doc.errors[0] ?? doc.warnings[0];
    if (problem) throw problem;
    value = doc.toJS();
  } catch (e) {
    const first = (e as Error).message.split('\n')[0];
    throw new RecipeError(`--set ${spec}: the value is not a YAML scalar or flow collection (${first})`);
  }
  return { spec, keys, value };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Resolves one segment inside a list: an index, or the name of an element (`stages.general`). */
function listIndex(list: unknown[], key: string, o: Override, at: (string | number)[]): number {
  if (/^\d+$/.test(key)) {
    const i = Number(key);
    if (i < list.length) return i;
    throw new RecipeError(`--set ${o.spec}: ${formatPath(at)} has ${list.length} items, there is no index ${i}`);
  }
  const i = list.findIndex((el) => isRecord(el) && el.name === key);
  if (i >= 0) return i;
  const names = list.map((el) => (isRecord(el) && typeof el.name === 'string' ? el.name : undefined)).filter(Boolean);
  throw new RecipeError(
    `--set ${o.spec}: ${formatPath(at)} has no item named "${key}"${names.length ? `; names: ${names.join(', ')}` : ''}`,
  );
}

/**
 * Returns a copy of `raw` with the overrides applied, and the resolved path of each (list elements
 * by index) so validation messages can point at the flag that set a field.
 */
export function applyOverrides(
  raw: Record<string, unknown>,
  specs: string[],
): { value: Record<string, unknown>; paths: { path: (string | number)[]; spec: string }[] } {
  const value = structuredClone(raw);
  const paths: { path: (string | number)[]; spec: string }[] = [];
  for (const spec of specs) {
    const o = parseOverride(spec);
    let cur: unknown = value;
    const at: (string | number)[] = [];
    let removedItem = false;
    o.keys.forEach((key, n) => {
      const last = n === o.keys.length - 1;
      if (Array.isArray(cur)) {
        const i = listIndex(cur, key, o, at);
        at.push(i);
        if (last) {
          if (o.value === null) {
            cur.splice(i, 1);
            removedItem = true;
          } else cur[i] = o.value;
        } else cur = cur[i];
      } else if (isRecord(cur)) {
        at.push(key);
        if (last) {
          if (o.value === null) delete cur[key];
          else cur[key] = o.value;
        } else {
          // A missing intermediate becomes a mapping, so `optimizer.lr` works when optimizer was omitted.
          if (cur[key] === undefined || cur[key] === null) cur[key] = {};
          cur = cur[key];
        }
      } else {
        throw new RecipeError(`--set ${o.spec}: ${formatPath(at)} is ${show(cur)}, not a mapping or list, so it has no field "${key}"`);
      }
    });
    // A removed list item has no path left to blame; later items moved up into its index.
    if (!removedItem) paths.push({ path: at, spec });
  }
  return { value, paths };
}
