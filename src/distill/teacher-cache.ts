/**
 * Teacher-output cache: a teacher's prediction-layer logits per model input, kept in a folder beside
 * the data, so a task-prediction stage reads them instead of running the teacher every epoch. The
 * teacher runs in eval mode (no dropout), so its logits are a function of the input and of its
 * weights: the loss with cached logits equals the loss with the teacher run live.
 *
 * Key of one row of a batch: the first 16 bytes of SHA-256 over its input ids, token types and
 * attention mask (int32 little-endian, one after the other) without the trailing padding (mask 0).
 * It names the model input only, so it is the same for every task kind, for augmented or original
 * data, and for any padded length.
 *
 * Folder layout:
 *   index.json        { format: "tinybert-teacher-cache", version: 1, teacher, layout, classes, parts }
 *   part-NNNNN.keys   per entry 20 bytes: the 16-byte key, then uint32 LE rows (1 per sequence; t real tokens per token layout)
 *   part-NNNNN.f32    per entry rows × classes float32 LE, in the order of the keys
 * Appending writes a new part (both files atomically), then the index (atomically): a crash leaves
 * the cache as before the append, and the next append overwrites the orphaned part.
 *
 * Layouts: `sequence` logits [B, K]; `token` logits [B, T, K] (token classification, span start/end),
 * stored for the real tokens only: a lookup gives 0 at padding, which the kinds' prediction losses
 * never read (they average over scored positions; the `reference` semantics' mean over padding does).
 *
 * The teacher is named by a hash of its resolved config and its weights (the tensors, not the file:
 * the same weights as safetensors or pytorch_model.bin are the same teacher); a cache made by
 * another teacher is refused.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { tf, type Tensor } from '../backend/tf.js';
import { DataError, ShapeError } from '../errors.js';
import type { Batch, BertModel } from '../model/bert.js';
import type { ModelConfig } from '../model/config.js';
import type { ModelOutput } from '../model/output.js';
import { writeChunksAtomic, writeTextAtomic } from '../util/fs.js';
import { validate } from '../util/validate.js';

const FORMAT = 'tinybert-teacher-cache';
const INDEX = 'index.json';
const KEY_BYTES = 16;
/** Key, then uint32 rows. */
const RECORD_BYTES = KEY_BYTES + 4;
/** Rows buffered before `fillTeacherCache` writes a part. */
const PART_ROWS = 4096;

const cacheIndexSchema = z
  .strictObject({
    format: z.literal(FORMAT).describe('marks a folder tinybert wrote as a teacher-output cache'),
    version: z.literal(1).describe('layout version of this folder'),
    teacher: z.string().regex(/^sha256:[0-9a-f]{64}$/).describe('teacherIdentity of the model whose logits these are'),
    layout: z.enum(['sequence', 'token']).describe('sequence: logits [B, K]; token: [B, T, K], real tokens stored'),
    classes: z.number().int().positive().describe('K, the last dimension of the logits'),
    parts: z
      .array(
        z.strictObject({
          name: z.string().regex(/^part-\d{5}$/).describe('file stem of the part'),
          entries: z.number().int().min(0).describe('entries in part-NNNNN.keys'),
          floats: z.number().int().min(0).describe('float32 values in part-NNNNN.f32'),
        }),
      )
      .describe('the parts in the order they were appended'),
  })
  .describe('index.json of a teacher-output cache');
type CacheIndex = z.infer<typeof cacheIndexSchema>;
export type CacheLayout = CacheIndex['layout'];

/** Config fields that never change an eval-mode forward (dropout, initialisation, provenance). */
const NOT_IDENTITY: readonly (keyof ModelConfig)[] = ['hiddenDropout', 'attentionDropout', 'initializerRange', 'classifierReluFrom'];

/** `sha256:…` of the teacher's resolved config and every weight tensor (name, shape, float32 bytes). */
export function teacherIdentity(model: BertModel): string {
  const h = createHash('sha256');
  const config = Object.entries(model.config).filter(([k]) => !NOT_IDENTITY.includes(k as keyof ModelConfig));
  h.update(JSON.stringify(config.sort(([a], [b]) => (a < b ? -1 : 1))));
  for (const name of [...model.params.keys()].sort()) {
    const v = model.params.get(name)!;
    const data = v.dataSync();
    h.update(`\n${name} [${v.shape.join(',')}]\n`);
    h.update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  return `sha256:${h.digest('hex')}`;
}

/** Per row of `batch`: its key (hex) and its real length (positions up to the last mask 1). */
export function rowKeys(batch: Batch): { key: string; length: number }[] {
  const [B, T] = batch.inputIds.shape as [number, number];
  const ids = batch.inputIds.dataSync(); // [B·T]
  const types = batch.tokenTypeIds?.dataSync(); // [B·T]
  const mask = batch.attentionMask?.dataSync(); // [B·T]
  const out: { key: string; length: number }[] = [];
  for (let b = 0; b < B; b++) {
    let length = T;
    while (mask && length > 0 && mask[b * T + length - 1] === 0) length--;
    const row = new Int32Array(3 * length);
    for (let t = 0; t < length; t++) {
      row[t] = ids[b * T + t];
      row[length + t] = types ? types[b * T + t] : 0;
      row[2 * length + t] = mask ? mask[b * T + t] : 1;
    }
    const key = createHash('sha256').update(new Uint8Array(row.buffer)).digest().subarray(0, KEY_BYTES).toString('hex');
    out.push({ key, length });
  }
  return out;
}

interface Entry {
  /** Index into the parts, or -1 while buffered. */
  part: number;
  /** Float offset into the part's values (or the buffered array). */
  offset: number;
  rows: number;
  /** Buffered values, until written. */
  values?: Float32Array;
}

export class TeacherCache {
  private readonly entries = new Map<string, Entry>();
  private readonly fds: number[] = [];
  private pending: { key: string; rows: number; values: Float32Array }[] = [];

  private constructor(
    readonly dir: string,
    private index: CacheIndex | undefined,
    private readonly teacher: string,
  ) {}

  /**
   * The cache in `dir` for the teacher named by `teacher` (teacherIdentity); an absent or empty
   * folder is an empty cache, created by the first write. DataError for a folder that holds
   * something else, a damaged cache, or a cache of another teacher.
   */
  static open(dir: string, teacher: string): TeacherCache {
    const indexFile = join(dir, INDEX);
    if (!existsSync(indexFile)) {
      if (existsSync(dir) && readdirSync(dir).length > 0) {
        throw new DataError(`${dir}: not a teacher-output cache (no ${INDEX}) and not empty; name a new folder for the cache`);
      }
      return new TeacherCache(dir, undefined, teacher);
    }
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(indexFile, 'utf8'));
    } catch (e) {
      throw new DataError(`${indexFile}: cannot read the cache index (${(e as Error).message})`);
    }
    const index = validate(cacheIndexSchema, raw, { file: indexFile }, DataError);
    if (index.teacher !== teacher) {
      throw new DataError(
        `${dir}: the cached logits are of teacher ${index.teacher.slice(0, 19)}…, not of this teacher (${teacher.slice(0, 19)}…); ` +
          'the teacher\'s config or weights changed: fill a new cache folder',
      );
    }
    const cache = new TeacherCache(dir, index, teacher);
    index.parts.forEach((p, i) => cache.load(p, i));
    return cache;
  }

  /** Entries stored or buffered. */
  get size(): number {
    return this.entries.size;
  }

  get layout(): CacheLayout | undefined {
    return this.index?.layout;
  }

  /** Whether every row of `batch` is cached. */
  has(batch: Batch): boolean {
    return rowKeys(batch).every(({ key }) => this.entries.has(key));
  }

  /** The cached logits of every row of `batch` ([B, K] or [B, T, K]), or undefined when any row is missing. */
  lookup(batch: Batch): Tensor | undefined {
    if (!this.index) return undefined;
    const keys = rowKeys(batch);
    const found = keys.map(({ key }) => this.entries.get(key));
    if (found.some((e) => e === undefined)) return undefined;
    const [B, T] = batch.inputIds.shape as [number, number];
    const K = this.index.classes;
    if (this.index.layout === 'sequence') {
      const out = new Float32Array(B * K); // [B·K]
      found.forEach((e, b) => out.set(this.values(e!), b * K));
      return tf.tensor2d(out, [B, K]);
    }
    const out = new Float32Array(B * T * K); // [B·T·K], 0 at padding
    found.forEach((e, b) => out.set(this.values(e!).subarray(0, Math.min(e!.rows, T) * K), b * T * K));
    return tf.tensor3d(out, [B, T, K]);
  }

  /** Buffers the logits of the rows of `batch` not cached yet ([B, K] or [B, T, K]); `flush` writes them. */
  add(batch: Batch, logits: Tensor): number {
    const [B, T] = batch.inputIds.shape as [number, number];
    const layout: CacheLayout = logits.rank === 2 ? 'sequence' : 'token';
    const K = logits.shape[logits.rank - 1]!;
    if (logits.shape[0] !== B || (layout === 'token' && (logits.rank !== 3 || logits.shape[1] !== T))) {
      throw new ShapeError(`teacher cache: logits [${logits.shape}] do not match the batch [${B}, ${T}] (expected [B, K] or [B, T, K])`);
    }
    this.index ??= { format: FORMAT, version: 1, teacher: this.teacher, layout, classes: K, parts: [] };
    if (this.index.layout !== layout || this.index.classes !== K) {
      throw new ShapeError(`${this.dir}: the cache holds ${this.index.layout} logits of ${this.index.classes} classes, got [${logits.shape}]`);
    }
    const data = logits.dataSync() as Float32Array; // [B·K] or [B·T·K]
    let added = 0;
    rowKeys(batch).forEach(({ key, length }, b) => {
      if (this.entries.has(key)) return;
      const rows = layout === 'sequence' ? 1 : length;
      const from = layout === 'sequence' ? b * K : b * T * K;
      const values = data.slice(from, from + rows * K);
      this.pending.push({ key, rows, values });
      this.entries.set(key, { part: -1, offset: 0, rows, values });
      added++;
    });
    return added;
  }

  /** Writes the buffered entries as a new part, then the index. */
  flush(): void {
    if (!this.pending.length || !this.index) return;
    const name = `part-${String(this.index.parts.length).padStart(5, '0')}`;
    const keys = Buffer.alloc(this.pending.length * RECORD_BYTES);
    this.pending.forEach((p, i) => {
      keys.write(p.key, i * RECORD_BYTES, 'hex');
      keys.writeUInt32LE(p.rows, i * RECORD_BYTES + KEY_BYTES);
    });
    writeTextAtomic(join(this.dir, `${name}.keys`), keys);
    const floats = this.pending.reduce((n, p) => n + p.values.length, 0);
    writeChunksAtomic(join(this.dir, `${name}.f32`), this.pending.map((p) => new Uint8Array(p.values.buffer, p.values.byteOffset, p.values.byteLength)));
    this.index = { ...this.index, parts: [...this.index.parts, { name, entries: this.pending.length, floats }] };
    writeTextAtomic(join(this.dir, INDEX), `${JSON.stringify(this.index, null, 2)}\n`);
    this.pending = [];
  }

  /** Writes what is buffered and closes the part files. */
  close(): void {
    this.flush();
    for (const fd of this.fds.splice(0)) closeSync(fd);
  }

  private load(part: CacheIndex['parts'][number], i: number): void {
    const keysFile = join(this.dir, `${part.name}.keys`);
    const valuesFile = join(this.dir, `${part.name}.f32`);
    const size = (f: string) => (existsSync(f) ? statSync(f).size : -1);
    if (size(keysFile) !== part.entries * RECORD_BYTES || size(valuesFile) !== part.floats * 4) {
      throw new DataError(
        `${this.dir}: ${part.name} is damaged: expected ${part.entries * RECORD_BYTES} bytes of keys and ${part.floats * 4} of values, ` +
          `found ${size(keysFile)} and ${size(valuesFile)} (-1: missing); fill a new cache folder`,
      );
    }
    const keys = readFileSync(keysFile);
    const K = this.index!.classes;
    let offset = 0;
    for (let e = 0; e < part.entries; e++) {
      const rows = keys.readUInt32LE(e * RECORD_BYTES + KEY_BYTES);
      this.entries.set(keys.subarray(e * RECORD_BYTES, e * RECORD_BYTES + KEY_BYTES).toString('hex'), { part: i, offset, rows });
      offset += rows * K;
    }
    if (offset !== part.floats) throw new DataError(`${this.dir}: ${part.name} is damaged: its keys count ${offset} values, the index ${part.floats}`);
    this.fds[i] = openSync(valuesFile, 'r');
  }

  /** The values of one entry, read from its part (or its buffer). */
  private values(e: Entry): Float32Array {
    if (e.values) return e.values;
    const n = e.rows * this.index!.classes;
    const out = new Float32Array(n);
    readSync(this.fds[e.part]!, new Uint8Array(out.buffer), 0, n * 4, e.offset * 4);
    return out;
  }
}

/**
 * A teacher output record holding only cached logits ([B, K] or [B, T, K]) and a float copy of the
 * batch's mask: what the prediction loss reads, so `distillLosses` takes it in place of a forward.
 */
export function cachedTeacherOutput(logits: Tensor, batch: Batch): ModelOutput {
  const [B, T] = batch.inputIds.shape as [number, number];
  const attentionMask = batch.attentionMask ? batch.attentionMask.cast('float32') : tf.ones([B, T]); // [B, T]
  return { logits, hiddenStates: [], attentionScores: [], attentionMask };
}

/**
 * Runs `model` in eval mode over `batches` and caches its logits in `dir` (rows already cached are
 * not run again; a batch is skipped when all of its rows are). Returns how many rows were added.
 */
export async function fillTeacherCache(
  model: BertModel,
  batches: Iterable<Batch> | AsyncIterable<Batch>,
  dir: string,
): Promise<{ added: number; cached: number }> {
  const cache = TeacherCache.open(dir, teacherIdentity(model));
  let added = 0;
  let pending = 0;
  try {
    for await (const batch of batches) {
      if (cache.has(batch)) continue;
      const logits = tf.tidy(() => model.forward(batch, { training: false }).logits);
      if (!logits) throw new DataError(`${dir}: the teacher has no task head, so there are no logits to cache`);
      const n = cache.add(batch, logits);
      logits.dispose();
      added += n;
      pending += n;
      if (pending >= PART_ROWS) {
        cache.flush();
        pending = 0;
      }
    }
  } finally {
    cache.close();
  }
  return { added, cached: cache.size };
}
