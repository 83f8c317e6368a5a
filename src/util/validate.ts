/**
 * The one place a zod failure becomes an error a person can act on: each problem names the file,
 * the line and column when the value came from a YAML/JSON document (or the `--set` that supplied
 * it), the field path as written in the recipe (`stages[2].optimizer.lr`), what was seen and what
 * was expected. Unknown keys list the allowed ones and suggest the nearest. Every zod-parsed input
 * (recipes, model configs, run manifests, batch files, optimizer options, resume state) goes
 * through `validate`, each with its own error class, so all of them read alike.
 */
import { isMap, type Document, type LineCounter, type Node } from 'yaml';
import type { z } from 'zod';
import { show, type TinybertError } from '../errors.js';

type Path = PropertyKey[];
type Issue = z.core.$ZodIssue;

/** Where the validated value came from, for positions in messages. */
export interface Source {
  /** File name as the user gave it; absent for a value that did not come from a file. */
  file?: string;
  /** Where the value sits inside its document, as written (`stages[2].optimizer`); field paths follow it. */
  at?: string;
  doc?: Document;
  lineCounter?: LineCounter;
  /** Field paths set by `--set`, with the flag text, so messages point at the flag instead of a line. */
  overrides?: { path: Path; spec: string }[];
}

/** `stages[2].optimizer.lr`; keys that are not identifiers are quoted: `tasks["my task"]`. */
export function formatPath(path: Path, at = ''): string {
  let out = at;
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_][\w-]*$/.test(String(seg))) out += out ? `.${String(seg)}` : String(seg);
    else out += `[${JSON.stringify(String(seg))}]`;
  }
  return out || '(root)';
}

function valueAt(root: unknown, path: Path): { found: boolean; value?: unknown } {
  let cur = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object' || !(seg in (cur as object))) return { found: false };
    cur = (cur as Record<PropertyKey, unknown>)[seg];
  }
  return { found: true, value: cur };
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `list ${show(v, 40)}`;
  if (typeof v === 'object') return `mapping ${show(v, 40)}`;
  return `${typeof v} ${show(v, 40)}`;
}

/** The schema reached by following `path` through wrappers, objects, arrays, records and unions. */
function schemaAt(schema: z.core.$ZodType, path: Path): z.core.$ZodType | undefined {
  type Def = { type: string; innerType?: any; in?: any; shape?: any; element?: any; valueType?: any; options?: any[]; items?: any[] };
  let cur: z.core.$ZodType | undefined = schema;
  let i = 0;
  while (cur) {
    const def = cur._zod.def as unknown as Def;
    if (def.innerType) cur = def.innerType;
    else if (def.type === 'pipe') cur = def.in;
    else if (def.type === 'union') cur = def.options?.find((o) => schemaAt(o, path.slice(i)) && (i < path.length || isObjectSchema(o)));
    else if (i === path.length) return cur;
    else if (def.type === 'object') cur = def.shape[path[i++] as string];
    else if (def.type === 'array') (cur = def.element), i++;
    else if (def.type === 'tuple') cur = def.items?.[path[i++] as number];
    else if (def.type === 'record') (cur = def.valueType), i++;
    else return undefined;
  }
  return undefined;
}

function isObjectSchema(s: z.core.$ZodType): boolean {
  const def = s._zod.def as unknown as { type: string; innerType?: z.core.$ZodType; in?: z.core.$ZodType };
  if (def.innerType) return isObjectSchema(def.innerType);
  if (def.type === 'pipe' && def.in) return isObjectSchema(def.in);
  return def.type === 'object' || def.type === 'record';
}

function allowedKeys(schema: z.core.$ZodType, path: Path): string[] {
  const s = schemaAt(schema, path);
  const def = s?._zod.def as unknown as { type: string; shape?: object; keyType?: { _zod: { def: { entries?: object } } } } | undefined;
  if (def?.type === 'object' && def.shape) return Object.keys(def.shape);
  const entries = def?.type === 'record' ? def.keyType?._zod.def.entries : undefined;
  return entries ? Object.keys(entries) : [];
}

/** Edit distance counting a swap of neighbours as one edit (optimal string alignment). */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

function suggest(key: string, allowed: string[]): string {
  const best = allowed.map((k) => [k, editDistance(key, k)] as const).sort((x, y) => x[1] - y[1])[0];
  return best && best[1] <= Math.max(1, Math.floor(key.length / 3)) ? ` (did you mean "${best[0]}"?)` : '';
}

/** One problem as [path, text]; union failures are narrowed to the branch that matched the value's shape. */
function explain(issue: Issue, base: Path, root: unknown, schema: z.core.$ZodType): [Path, string][] {
  const path = [...base, ...issue.path];
  const seen = valueAt(root, path);
  const saw = seen.found ? `, saw ${describeValue(seen.value)}` : '';
  switch (issue.code) {
    case 'invalid_type':
      if (!seen.found || seen.value === undefined) return [[path, `is required (expected ${issue.expected})`]];
      return [[path, `expected ${issue.expected}${saw}`]];
    case 'invalid_value':
      return [[path, `expected ${issue.values.map((v) => show(v)).join(' | ')}${saw}`]];
    case 'unrecognized_keys': {
      const allowed = allowedKeys(schema, path);
      return issue.keys.map((k) => [
        [...path, k],
        `unknown key${suggest(k, allowed)}${allowed.length ? `; expected one of: ${allowed.join(', ')}` : ''}`,
      ]);
    }
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      const op = issue.code === 'too_small' ? (issue.inclusive ? '>=' : '>') : issue.inclusive ? '<=' : '<';
      const what = issue.origin === 'array' ? ' items' : issue.origin === 'string' ? ' characters' : '';
      return [[path, `expected ${what ? 'length ' : ''}${op} ${String(bound)}${what}${saw}`]];
    }
    case 'invalid_union': {
      // A branch whose first failure is not a type mismatch at the union itself is the one the user meant.
      const meant = issue.errors.filter(
        (errs) => errs.length > 0 && !errs.some((e) => e.path.length === 0 && (e.code === 'invalid_type' || e.code === 'invalid_value')),
      );
      if (meant.length === 1) return meant[0].flatMap((e) => explain(e, path, root, schema));
      // A schema's own wording (`z.union([...], { error })`) says it better than a list of branches.
      if (issue.message !== 'Invalid input') return [[path, `${issue.message}${saw}`]];
      const expected = issue.errors.map((errs) => {
        const e = errs.find((x) => x.path.length === 0);
        if (e?.code === 'invalid_value') return e.values.map((v) => show(v)).join(' | ');
        if (e?.code === 'invalid_type') return e.expected;
        return 'another form';
      });
      return [[path, `expected ${[...new Set(expected)].join(' or ')}${saw}`]];
    }
    default:
      return [[path, `${issue.message}${seen.found && issue.code !== 'custom' ? saw : ''}`]];
  }
}

/** `file:line:col` of the node at `path` (the key for an unknown key), or of its nearest ancestor. */
function position(src: Source, path: Path): string {
  const file = src.file ?? '';
  const over = src.overrides?.find((o) => o.path.length <= path.length && o.path.every((seg, i) => String(seg) === String(path[i])));
  if (over) return `${file} (--set ${over.spec})`;
  if (!src.doc || !src.lineCounter) return file;
  for (let n = path.length; n >= 0; n--) {
    const parent = n === 0 ? src.doc.contents : (src.doc.getIn(path.slice(0, n - 1), true) as Node | undefined);
    let node: { range?: [number, number, number] | null } | undefined;
    if (n === 0) node = parent ?? undefined;
    else if (isMap(parent)) {
      const key = String(path[n - 1]);
      // Point at the key, which is where an unknown or misspelled key is written.
      const pair = parent.items.find((p) => String((p.key as { value?: unknown } | null)?.value ?? p.key) === key);
      node = (pair?.key as typeof node) ?? undefined;
    } else node = src.doc.getIn(path.slice(0, n), true) as typeof node;
    if (node?.range) {
      const { line, col } = src.lineCounter.linePos(node.range[0]);
      return `${file}:${line}:${col}`;
    }
  }
  return file;
}

/**
 * Parses `value` with `schema`, or throws `ErrorClass` listing every problem as
 * `file:line:col: field.path: what was seen / expected` (several numbered on one line). `src` is
 * the file name alone when there is no document to point into.
 */
export function validate<S extends z.ZodType>(
  schema: S,
  value: unknown,
  src: Source | string,
  ErrorClass: new (message: string) => TinybertError,
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const source: Source = typeof src === 'string' ? { file: src } : src;
  const problems = result.error.issues.flatMap((i) => explain(i as Issue, [], value, schema));
  const lines = [
    ...new Set(problems.map(([path, text]) => [position(source, path), formatPath(path, source.at), text].filter(Boolean).join(': '))),
  ];
  if (lines.length === 1) throw new ErrorClass(lines[0]!);
  // Errors are one line (see errors.ts); problems are numbered so each still reads on its own.
  const head = source.file ?? source.at ?? '';
  throw new ErrorClass(`${head ? `${head}: ` : ''}${lines.length} problems: ${lines.map((l, i) => `(${i + 1}) ${l}`).join('; ')}`);
}
