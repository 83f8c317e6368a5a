/**
 * `augment(options)`: TinyBERT's data augmentation (Jiao et al. 2020, §3.1 and Algorithm 1) that
 * works on Chinese, as one library call a CLI command or a recipe stage makes.
 *
 * The file is read, cut into chunks of `chunk` examples, and each chunk is segmented, given its
 * candidates (one batched masked-LM search, ./candidates.ts), drawn into copies (./rewrite.ts),
 * optionally guarded (./guard.ts) and appended to the output. Memory holds one chunk's work (and,
 * for a tsv or JSON-lines file, an index of where each record starts; other formats are read whole);
 * the output, 1 + copies times the input, is never held.
 *
 * Shards: of C chunks, shard I of N takes the contiguous chunks [⌊I·C/N⌋, ⌊(I+1)·C/N⌋). Every number that decides an output (the example's random stream, the
 * rows batched together) depends only on the chunk, so the shards' outputs, concatenated in index
 * order, are the unsharded output byte for byte: shard 0 writes the head (a header row), the last
 * shard the tail. The same holds for the per-example sidecar OUT.stats.jsonl.
 *
 * Resume: after each chunk both files are flushed and OUT.progress.json (atomic) records the chunks
 * done and the byte length of each file; `resume` truncates them to those lengths and continues.
 * The progress file also marks the output as tinybert's own: an existing OUT without one is refused.
 * OUT.summary.json (atomic) holds the counts when the shard is done.
 */
import { closeSync, existsSync, fsyncSync, ftruncateSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { z } from 'zod';
import { doLowerCase } from '../checkpoint/export.js';
import { assertFiniteWeights } from '../checkpoint/finite.js';
import { loadModelDir } from '../checkpoint/model-dir.js';
import { readText, type DataFormat, type SettingNames } from '../data/index.js';
import { DataError, show, UsageError } from '../errors.js';
import type { BertModel } from '../model/bert.js';
import { nerFormatFromPath, nerFormatSchema, type NerFormat } from '../tasks/token-classification/index.js';
import { BertTokenizer } from '../tokenizer/bert-tokenizer.js';
import { writeTextAtomic } from '../util/fs.js';
import { validate } from '../util/validate.js';
import { MaskedLmCandidates } from './candidates.js';
import { classificationDataset } from './classification-io.js';
import type { Dataset, Item } from './dataset.js';
import { LabelGuard } from './guard.js';
import { augmentOptionsSchema, RESUME_FREE, type AugmentOptions, type ResolvedAugmentOptions } from './options.js';
import { applyEdits, planCopies, plannedUnits, realiseCopies, type Choices, type Edit } from './rewrite.js';
import { spanDataset } from './span-io.js';
import { tokenClassificationDataset } from './token-io.js';
import { segmentText } from './units.js';
import { WordVectors } from './word-vectors.js';

export interface AugmentSummary {
  out: string;
  /** `I/N`. */
  shard: string;
  /** Input examples of this shard. */
  examples: number;
  /** Examples with at least one replaceable unit. */
  withCandidates: number;
  /** Records written: originals and augmented copies. */
  written: number;
  /** Augmented copies written (they all differ from their original). */
  augmented: number;
  /** Copies drawn that came out equal to their original, or to an earlier copy: dropped. */
  identical: number;
  duplicates: number;
  /** Share of drawn copies that differ from their original. */
  changedShare: number;
  /** Copies dropped by the label guard, when there is one. */
  guard?: { kept: number; dropped: number };
  forwardPasses: number;
  maskedRows: number;
  seconds: number;
}

export interface AugmentHooks {
  /** How data errors name the column settings (the CLI: --text-b). */
  names?: SettingNames;
  /** Called after each chunk with the examples done of this shard. */
  onProgress?: (done: number, total: number) => void;
}

const countsSchema = z.strictObject({
  examples: z.number(),
  withCandidates: z.number(),
  written: z.number(),
  augmented: z.number(),
  identical: z.number(),
  duplicates: z.number(),
  guard: z.strictObject({ kept: z.number(), dropped: z.number() }).optional(),
  forwardPasses: z.number(),
  maskedRows: z.number(),
});

/** OUT.progress.json: how far the run got, and what it ran on (a resume must match both). */
/** The draw order this version writes; a run begun with another cannot be continued byte-exactly. */
const DRAWS = 2;

const progressSchema = z.strictObject({
  options: augmentOptionsSchema,
  /** Size and modification time of the data file: a resume over a changed file is refused. */
  input: z.strictObject({ bytes: z.number(), mtimeMs: z.number() }),
  chunksDone: z.number().int().min(0),
  outBytes: z.number().int().min(0),
  statsBytes: z.number().int().min(0),
  finished: z.boolean(),
  counts: countsSchema,
  /** How copies are drawn: 2 plans the coins before the candidates (./rewrite.ts); absent, an earlier order. */
  draws: z.literal(DRAWS).optional(),
});
type Progress = z.infer<typeof progressSchema>;

export const sidecars = (out: string) => ({ progress: `${out}.progress.json`, stats: `${out}.stats.jsonl`, summary: `${out}.summary.json` });

export async function augment(options: AugmentOptions, hooks: AugmentHooks = {}): Promise<AugmentSummary> {
  const o = validate(augmentOptionsSchema, options, 'augment options', UsageError);
  const started = Date.now();
  const files = sidecars(o.out);
  const input = inputStamp(o.data);
  const previous = checkOutput(o, input);
  const engine = openEngine(o);
  let dataset: Dataset;
  try {
    dataset = await readDataset(o, engine.guard?.labels, hooks.names);
  } catch (e) {
    engine.dispose();
    throw e;
  }

  const n = dataset.count;
  const chunks = Math.ceil(n / o.chunk);
  const firstChunk = Math.floor((o.shard.index * chunks) / o.shard.count);
  const endChunk = Math.floor(((o.shard.index + 1) * chunks) / o.shard.count);
  const lo = firstChunk * o.chunk;
  const hi = Math.min(n, endChunk * o.chunk);
  const isFirst = o.shard.index === 0;
  const isLast = o.shard.index === o.shard.count - 1;

  const progress: Progress = previous ?? {
    options: o,
    input,
    chunksDone: 0,
    outBytes: 0,
    statsBytes: 0,
    finished: false,
    draws: DRAWS,
    counts: { examples: hi - lo, withCandidates: 0, written: 0, augmented: 0, identical: 0, duplicates: 0, forwardPasses: 0, maskedRows: 0 },
  };
  const summarise = (): AugmentSummary => {
    const c = progress.counts;
    const drawn = c.augmented + c.identical + c.duplicates + (c.guard?.dropped ?? 0);
    return { out: o.out, shard: `${o.shard.index}/${o.shard.count}`, ...c, changedShare: drawn ? (drawn - c.identical) / drawn : 0, seconds: (Date.now() - started) / 1000 };
  };
  if (progress.finished) {
    engine.dispose();
    return summarise();
  }

  const base = { forwardPasses: progress.counts.forwardPasses, maskedRows: progress.counts.maskedRows };
  const out = new AppendFile(o.out, progress.outBytes, previous === undefined);
  const stats = new AppendFile(files.stats, progress.statsBytes, previous === undefined);
  try {
    if (previous === undefined) {
      if (isFirst) out.write(dataset.head);
      save(files.progress, progress, out, stats);
    }
    for (let c = firstChunk + progress.chunksDone; c < endChunk; c++) {
      const from = c * o.chunk;
      const items = await dataset.items(from, Math.min(n, from + o.chunk));
      const records = augmentChunk(o, items, from, engine, progress.counts);
      for (const r of records) {
        out.write(r.text);
        stats.write(`${JSON.stringify(r.stats)}\n`);
      }
      progress.chunksDone++;
      progress.counts.forwardPasses = base.forwardPasses + engine.mlm.stats.forwardPasses;
      progress.counts.maskedRows = base.maskedRows + engine.mlm.stats.rows;
      save(files.progress, progress, out, stats);
      hooks.onProgress?.(Math.min(hi, from + o.chunk) - lo, hi - lo);
    }
    // The tail and the finished mark are saved together: a kill in between rewrites the tail.
    if (isLast) out.write(dataset.tail);
    progress.finished = true;
    save(files.progress, progress, out, stats);
  } finally {
    out.close();
    stats.close();
    engine.dispose();
  }
  const summary = summarise();
  writeTextAtomic(files.summary, `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}

/** The progress of an earlier run to continue, or undefined to start afresh; refuses what it may not touch. */
function checkOutput(o: ResolvedAugmentOptions, now: Progress['input']): Progress | undefined {
  const files = sidecars(o.out);
  const hasProgress = existsSync(files.progress);
  if (!hasProgress) {
    if (existsSync(o.out)) throw new UsageError(`--out ${o.out}: the file exists and was not written by tinybert augment (no ${files.progress}); choose another --out`);
    if (o.resume) throw new UsageError(`--resume: ${files.progress} not found; nothing to resume (run without --resume)`);
    return undefined;
  }
  if (o.overwrite) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(files.progress, 'utf8'));
  } catch (e) {
    throw new DataError(`${files.progress}: unreadable progress file (${(e as Error).message}); give --overwrite to start again`);
  }
  const previous = validate(progressSchema, renamedOptions(raw), files.progress, DataError);
  if (o.resume && !previous.finished && previous.draws !== DRAWS) {
    throw new UsageError(`--resume: ${o.out} was begun by an earlier tinybert that drew copies in another order, so its rest would not match; give --overwrite to start again`);
  }
  if (!o.resume) {
    throw new UsageError(`--out ${o.out}: exists (${previous.finished ? 'finished' : 'unfinished'} augment run); give --resume to continue it or --overwrite to start again`);
  }
  const changed = (Object.keys(o) as (keyof ResolvedAugmentOptions)[]).filter(
    (k) => !RESUME_FREE.includes(k) && JSON.stringify(o[k]) !== JSON.stringify(previous.options[k]),
  );
  if (changed.length) {
    throw new UsageError(`--resume: options differ from the run being resumed: ${changed.map((k) => `${k} ${show(previous.options[k])} → ${show(o[k])}`).join(', ')}`);
  }
  if (now.bytes !== previous.input.bytes || now.mtimeMs !== previous.input.mtimeMs) {
    throw new UsageError(`--resume: ${o.data} changed since the run began (${previous.input.bytes} → ${now.bytes} bytes, modified ${new Date(now.mtimeMs).toISOString()}); give --overwrite to start again`);
  }
  return previous;
}

/** A progress file as today's schema names its options: a run begun before `nerFormat` became `format` still resumes. */
function renamedOptions(raw: unknown): unknown {
  const options = (raw as { options?: unknown } | null)?.options;
  if (options === null || typeof options !== 'object' || !('nerFormat' in options)) return raw;
  const { nerFormat, ...rest } = options as Record<string, unknown>;
  return { ...(raw as object), options: { ...rest, format: nerFormat } };
}

function inputStamp(file: string): Progress['input'] {
  try {
    const st = statSync(file);
    return { bytes: st.size, mtimeMs: st.mtimeMs };
  } catch (e) {
    throw new DataError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

async function readDataset(o: ResolvedAugmentOptions, guardLabels: string[] | undefined, names: SettingNames | undefined): Promise<Dataset> {
  switch (o.kind) {
    // The schema has checked that a given format is one this kind reads.
    case 'classification':
      return classificationDataset(o.data, { ...o, format: o.format as DataFormat | undefined, labels: guardLabels, names });
    case 'token-classification': {
      const format = (o.format as NerFormat | undefined) ?? nerFormatFromPath(o.data);
      if (!format) throw new UsageError(`--format: cannot tell the format of ${o.data} from its name; give --format ${nerFormatSchema.options.join('|')}`);
      return tokenClassificationDataset(o.data, format);
    }
    case 'span':
      return spanDataset(o.data);
  }
}

/**
 * The guard's class names as the file writes them: those given (one per class), else its config's
 * id2label; a config without one names its classes LABEL_i, which no file uses, so then "0", "1", …
 */
function classNames(model: BertModel, given: string[] | undefined): string[] {
  const K = model.config.numLabels;
  if (given && given.length !== K) throw new UsageError(`--labels: ${given.length} labels given but the guard model has ${K} classes`);
  const l = model.config.labels;
  return given ?? (l.every((name, i) => name === `LABEL_${i}`) ? l.map((_, i) => String(i)) : l);
}

interface Engine {
  tokenizer: BertTokenizer;
  mlm: MaskedLmCandidates;
  vectors?: WordVectors;
  stopWords: Set<string>;
  guard?: LabelGuard;
  dispose(): void;
}

function openModel(dir: string, heads: string[], role: string): { model: BertModel; tokenizer: BertTokenizer } {
  const { model, vocabPath } = loadModelDir(dir);
  try {
    if (!heads.includes(model.config.head)) {
      throw new UsageError(`${role} ${dir}: has head "${model.config.head}"; expected ${heads.join(' or ')}${role === '--model' ? ' (the pre-trained teacher, not the fine-tuned one)' : ''}`);
    }
    assertFiniteWeights(dir, model.params);
    if (!vocabPath) throw new DataError(`${dir}: no vocab.txt (the tokenizer needs the model's word-piece vocabulary)`);
    return { model, tokenizer: BertTokenizer.fromVocabFile(vocabPath, { doLowerCase: doLowerCase(dir) ?? true }) };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

function openEngine(o: ResolvedAugmentOptions): Engine {
  if (o.guardModel && o.kind !== 'classification') {
    throw new UsageError(`--guard-model: the label guard applies to classification only (NER and span copies never change a labelled span)`);
  }
  const { model, tokenizer } = openModel(o.model, ['mlm', 'pretraining'], '--model');
  const guard = o.guardModel ? openModel(o.guardModel, ['classification'], '--guard-model') : undefined;
  const stopWords = new Set(o.stopWords ? readText(o.stopWords).split('\n').map((w) => w.trim()).filter(Boolean) : []);
  return {
    tokenizer,
    mlm: new MaskedLmCandidates(model, tokenizer, o),
    vectors: o.wordVectors ? WordVectors.fromFile(o.wordVectors) : undefined,
    stopWords,
    guard: guard && new LabelGuard(guard.model, guard.tokenizer, o.guard, o, classNames(guard.model, o.labels)),
    dispose: () => {
      model.dispose();
      guard?.model.dispose();
    },
  };
}

interface OutRecord {
  text: string;
  stats: { source: string; written: number; identical: number; duplicates: number; dropped?: number };
}

/** Augments the items of one chunk (the first is example `from` of the file); the records to write, in order. */
function augmentChunk(o: ResolvedAugmentOptions, items: Item[], from: number, e: Engine, counts: Progress['counts']): OutRecord[] {
  const segmented = items.map((item) =>
    item.passThrough
      ? []
      : item.texts.map((text, t) =>
          segmentText(text, e.tokenizer, {
            wholeWord: o.wholeWord,
            stopWords: e.stopWords,
            hasVector: (w) => e.vectors?.has(w) ?? false,
            eligible: (start, end) => item.eligible(t, start, end),
          }),
        ),
  );
  // Word-vector neighbours are known now; a masked-LM unit is replaceable before its candidates
  // exist. The draws are planned first, so the masked-LM search skips the units no copy replaces.
  const neighbours = segmented.map((texts) => texts.map((seg) => seg.units.map((u) => (u.source === 'vectors' ? e.vectors!.nearest(u.word, o.candidates) : []))));
  const replaceable = segmented.map((texts, i) => texts.map((seg, t) => seg.units.map((u, j) => u.source === 'mlm' || neighbours[i]![t]![j]!.length > 0)));
  const plans = replaceable.map((r, i) => planCopies(r, from + i, o));
  const candidates = e.mlm.run(segmented.flat(), plans.flatMap((plan, i) => plannedUnits(plan, segmented[i]!.length)));
  let next = 0;
  const drawn = items.map((item, i) => {
    const choices: Choices[] = segmented[i]!.map((seg, t) => {
      const mlm = candidates[next++]!;
      return { units: seg.units.map((u, j) => ({ start: u.start, end: u.end, candidates: u.source === 'mlm' ? mlm[j]! : neighbours[i]![t]![j]! })) };
    });
    if (replaceable[i]!.some((units) => units.includes(true))) counts.withCandidates++;
    return item.passThrough ? { outputs: [item.texts.map((): Edit[] => [])], identical: 0, duplicates: 0 } : realiseCopies(plans[i]!, choices, item.texts);
  });

  // The guard scores every augmented copy of the chunk in one batched pass.
  const keep = drawn.map((d) => d.outputs.map(() => true));
  if (e.guard) {
    const asked = drawn.flatMap((d, i) => d.outputs.slice(1).map((edits, k) => ({ i, k: k + 1, texts: edits.map((x, t) => applyEdits(items[i]!.texts[t]!, x)) })));
    const verdict = e.guard.keep(asked.map((a) => ({ texts: a.texts, label: items[a.i]!.label! })));
    asked.forEach((a, j) => (keep[a.i]![a.k] = verdict[j]!));
  }

  return items.map((item, i) => {
    const d = drawn[i]!;
    let text = '';
    let copy = 0;
    d.outputs.forEach((edits, k) => {
      if (!keep[i]![k]) return;
      text += item.render(edits, copy, from + i === 0 && copy === 0);
      copy++;
    });
    const dropped = d.outputs.length - copy;
    counts.written += copy;
    counts.augmented += copy - 1;
    counts.identical += d.identical;
    counts.duplicates += d.duplicates;
    if (e.guard) counts.guard = { kept: (counts.guard?.kept ?? 0) + d.outputs.length - 1 - dropped, dropped: (counts.guard?.dropped ?? 0) + dropped };
    const stats: OutRecord['stats'] = { source: item.source, written: copy, identical: d.identical, duplicates: d.duplicates };
    if (e.guard) stats.dropped = dropped;
    return { text, stats };
  });
}

/** A file written by appending, truncated first to the length a previous run got to. */
class AppendFile {
  private fd: number;
  bytes: number;

  constructor(path: string, bytes: number, fresh: boolean) {
    this.fd = openSync(path, fresh ? 'w' : 'r+');
    ftruncateSync(this.fd, bytes);
    this.bytes = bytes;
  }

  write(text: string): void {
    const buf = Buffer.from(text, 'utf8');
    let done = 0;
    while (done < buf.length) done += writeSync(this.fd, buf, done, buf.length - done, this.bytes + done);
    this.bytes += buf.length;
  }

  flush(): void {
    fsyncSync(this.fd);
  }

  close(): void {
    closeSync(this.fd);
  }
}

function save(path: string, progress: Progress, out: AppendFile, stats: AppendFile): void {
  out.flush();
  stats.flush();
  progress.outBytes = out.bytes;
  progress.statsBytes = stats.bytes;
  writeTextAtomic(path, `${JSON.stringify(progress)}\n`);
}
