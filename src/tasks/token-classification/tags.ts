/**
 * Tag schemes for sequence labelling and the one chunker every part uses.
 *
 *   BIO    B-X begins an entity, I-X continues it, O is outside.
 *   BIOES  as BIO, plus E-X ends an entity of two or more tokens and S-X is a single-token entity.
 *   BMES   the Chinese word-segmentation spelling of BIOES: M-X is the middle (I-X), E-X and S-X as above.
 *
 * Entities are read by conlleval's chunking rules as extended for IOBES by its common Python port
 * (sighsmile/conlleval.py, which seqeval also follows): a chunk ends after E or S, before B, S or O,
 * and wherever the type changes; a chunk starts at B or S, at an I/E after O, E or S, and wherever the
 * type changes. So an `I-` after `O` or after another type starts a new entity, as in conlleval.
 * M is read as I, which makes BMES and BIOES give the same entities for the same tagging.
 */
import { z } from 'zod';
import { DataError, show } from '../../errors.js';

export const tagSchemeSchema = z
  .enum(['bio', 'bioes', 'bmes'])
  .describe('bio: B-/I-/O; bioes: adds E- (last token) and S- (single token); bmes: B-/M-/E-/S-/O');
export type TagScheme = z.infer<typeof tagSchemeSchema>;

/** The label id of positions the loss, the distillation target and the metric ignore (PyTorch's default). */
export const IGNORE_INDEX = -100;

/** A tag split into its prefix and entity type; `O` has prefix "O" and type "". */
export interface Tag {
  prefix: 'B' | 'I' | 'M' | 'E' | 'S' | 'O';
  type: string;
}

/** An entity as a half-open range [start, end) of token indices. */
export interface Chunk {
  type: string;
  start: number;
  end: number;
}

const PREFIXES = new Set(['B', 'I', 'M', 'E', 'S']);

/** `B-PER` → {B, PER}; `O` → {O, ""}. Undefined for anything else (no prefix, empty type). */
export function parseTag(tag: string): Tag | undefined {
  if (tag === 'O') return { prefix: 'O', type: '' };
  const dash = tag.indexOf('-');
  if (dash !== 1 || tag.length < 3 || !PREFIXES.has(tag[0])) return undefined;
  return { prefix: tag[0] as Tag['prefix'], type: tag.slice(2) };
}

/** Like `parseTag`, but a tag that is not one throws a DataError naming `where`. */
export function parseTagAt(tag: string, where: string): Tag {
  const parsed = parseTag(tag);
  if (!parsed) throw new DataError(`${where}: tag ${show(tag)} is not O or B-/I-/M-/E-/S- followed by a type`);
  return parsed;
}

function chunkPrefix(p: Tag['prefix']): 'B' | 'I' | 'E' | 'S' | 'O' {
  return p === 'M' ? 'I' : p;
}

function endsBefore(prev: Tag, cur: Tag): boolean {
  const p = chunkPrefix(prev.prefix);
  const c = chunkPrefix(cur.prefix);
  if (p === 'O') return false;
  if (p === 'E' || p === 'S') return true;
  if (c === 'B' || c === 'S' || c === 'O') return true;
  return prev.type !== cur.type;
}

function startsAt(prev: Tag, cur: Tag): boolean {
  const p = chunkPrefix(prev.prefix);
  const c = chunkPrefix(cur.prefix);
  if (c === 'O') return false;
  if (c === 'B' || c === 'S') return true;
  if (p === 'O' || p === 'E' || p === 'S') return true;
  return prev.type !== cur.type;
}

const OUTSIDE: Tag = { prefix: 'O', type: '' };

/** The entities of one sentence's tags, in order. Tags that do not parse count as O (see `parseTag`). */
export function chunks(tags: readonly string[]): Chunk[] {
  const out: Chunk[] = [];
  let prev = OUTSIDE;
  let open: Chunk | undefined;
  for (let i = 0; i <= tags.length; i++) {
    const cur = i < tags.length ? (parseTag(tags[i]) ?? OUTSIDE) : OUTSIDE;
    if (open && endsBefore(prev, cur)) {
      open.end = i;
      out.push(open);
      open = undefined;
    }
    if (startsAt(prev, cur)) open = { type: cur.type, start: i, end: i + 1 };
    prev = cur;
  }
  return out;
}

/** Tags of `length` tokens spelling `entities` in `scheme`; tokens outside every entity are O. */
export function tagsOf(entities: readonly Chunk[], length: number, scheme: TagScheme): string[] {
  const tags = new Array<string>(length).fill('O');
  const middle = scheme === 'bmes' ? 'M' : 'I';
  for (const { type, start, end } of entities) {
    for (let i = start; i < end; i++) tags[i] = `${middle}-${type}`;
    if (scheme === 'bio') tags[start] = `B-${type}`;
    else if (end - start === 1) tags[start] = `S-${type}`;
    else {
      tags[start] = `B-${type}`;
      tags[end - 1] = `E-${type}`;
    }
  }
  return tags;
}

/**
 * Re-spells one sentence's tags in another scheme, keeping its entities (as `chunks` reads them):
 * `convertTags(["I-PER","I-PER"], "bioes")` is `["B-PER","E-PER"]`.
 */
export function convertTags(tags: readonly string[], to: TagScheme): string[] {
  return tagsOf(chunks(tags), tags.length, to);
}

/**
 * The label list: `given` when the recipe names one (each tag checked), else every tag seen in the
 * data, in a deterministic order that does not depend on file order: O first, then by entity type,
 * then by prefix in B, I, M, E, S order (`O, B-LOC, I-LOC, B-PER, I-PER`).
 */
export function labelList(seen: Iterable<string>, given?: readonly string[], where = 'labels'): string[] {
  if (given) {
    given.forEach((t, i) => parseTagAt(t, `${where}[${i}]`));
    const dup = given.find((t, i) => given.indexOf(t) !== i);
    if (dup !== undefined) throw new DataError(`${where}: tag ${show(dup)} is listed twice; each label must occur once`);
    return [...given];
  }
  const order = 'OBIMES';
  const tags = [...new Set(seen)].map((t) => ({ t, tag: parseTagAt(t, where) }));
  tags.sort((a, b) =>
    a.tag.type === b.tag.type ? order.indexOf(a.tag.prefix) - order.indexOf(b.tag.prefix) : a.tag.type < b.tag.type ? -1 : 1,
  );
  return tags.map(({ t }) => t);
}
