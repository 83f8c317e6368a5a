/**
 * `tinybert inspect`: what is in a model directory — config summary, parameters per component,
 * weight file and format, vocabulary size and anything the loader ignored or kept aside.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { describeClassifierRelu, type ModelConfig } from '../model/config.js';
import { describeNonFinite, nonFiniteTensors, type NonFiniteTensor } from './finite.js';
import { loadModelDir } from './model-dir.js';

export interface ModelSummary {
  dir: string;
  config: ModelConfig;
  weightsFile: string;
  /** Every file the weights occupy: model.json and its shards for tfjs, else the one file. */
  weightFiles: string[];
  format: string;
  /** Bytes of all weightFiles. */
  bytesOnDisk: number;
  /** Tensors holding NaN or Inf (a diverged run); empty for a usable model. */
  nonFinite: NonFiniteTensor[];
  vocabSize?: number;
  totalParams: number;
  components: { component: string; params: number }[];
  ignored: { name: string; reason: string }[];
  extras: string[];
}

const COMPONENTS: [string, RegExp][] = [
  ['embeddings', /^bert\.embeddings\./],
  ...Array.from({ length: 64 }, (_, l) => [`layer ${l}`, new RegExp(`^bert\\.encoder\\.layer\\.${l}\\.`)] as [string, RegExp]),
  ['pooler', /^bert\.pooler\./],
  ['head', /^(classifier|qa_outputs|cls)\./],
];

export function inspectModelDir(dir: string): ModelSummary {
  const { model, report, extras, vocabPath } = loadModelDir(dir);
  try {
    const components: { component: string; params: number }[] = [];
    for (const [component, re] of COMPONENTS) {
      const n = model.numParams((name) => re.test(name));
      if (n > 0) components.push({ component, params: n });
    }
    const weightFiles = filesOfWeights(report.weightsFile, report.format);
    const vocabSize = vocabPath ? readFileSync(vocabPath, 'utf8').split('\n').filter((l, i, a) => i < a.length - 1 || l !== '').length : undefined;
    return {
      dir,
      config: model.config,
      weightsFile: report.weightsFile,
      weightFiles,
      format: report.format,
      bytesOnDisk: weightFiles.reduce((n, f) => n + statSync(f).size, 0),
      // Training-only tensors too: a checkpoint with NaN projections cannot be resumed either.
      nonFinite: nonFiniteTensors([...model.params, ...[...extras].map(([name, t]) => [name, t.data] as [string, ArrayLike<number>])]),
      vocabSize,
      totalParams: model.numParams(),
      components,
      ignored: report.ignored,
      extras: [...extras.keys()],
    };
  } finally {
    model.dispose();
  }
}

/** A tfjs model.json lists its shards (already validated by the loader); other formats are one file. */
function filesOfWeights(file: string, format: string): string[] {
  if (format !== 'tfjs') return [file];
  const modelJson = statSync(file).isDirectory() ? join(file, 'model.json') : file;
  const json = JSON.parse(readFileSync(modelJson, 'utf8')) as { weightsManifest: { paths: string[] }[] };
  return [modelJson, ...json.weightsManifest.flatMap((g) => g.paths.map((p) => join(dirname(modelJson), p)))];
}

const fmt = (n: number) => n.toLocaleString('en-US');

export function formatSummary(s: ModelSummary): string {
  const c = s.config;
  const lines = [
    `model      ${s.dir}`,
    `type       ${c.modelType} (${c.relativePositions ? `relative positions, k=${c.maxRelativePosition}` : `absolute positions, ${c.maxPositions}`})`,
    `shape      ${c.numLayers} layers, hidden ${c.hiddenSize}, ${c.numHeads} heads × ${c.headSize}, FFN ${c.intermediateSize}, ${c.hiddenAct}`,
    `head       ${c.head}${c.head === 'classification' || c.head === 'token-classification' ? ` (${c.numLabels} labels: ${c.labels.join(', ')})` : ''}`,
    ...(c.head === 'classification' ? [`classifier ${describeClassifierRelu(c)}`] : []),
    `weights    ${basename(s.weightsFile)}${s.weightFiles.length > 1 ? ` + ${s.weightFiles.length - 1} shard${s.weightFiles.length > 2 ? 's' : ''}` : ''} (${s.format}, ${(s.bytesOnDisk / 1048576).toFixed(2)} MiB)`,
    `vocab      ${s.vocabSize !== undefined ? `${fmt(s.vocabSize)} tokens (config vocab_size ${fmt(c.vocabSize)})` : `no vocab.txt (config vocab_size ${fmt(c.vocabSize)})`}`,
    `parameters ${fmt(s.totalParams)}`,
    ...s.components.map((x) => `  ${x.component.padEnd(12)} ${fmt(x.params).padStart(14)}`),
  ];
  if (s.nonFinite.length) lines.push(`NOT FINITE ${describeNonFinite(s.nonFinite)} (did training diverge?)`);
  if (s.extras.length) lines.push(`training-only tensors (not part of the model): ${s.extras.join(', ')}`);
  if (s.ignored.length) lines.push(`ignored tensors: ${s.ignored.map((i) => `${i.name} (${i.reason})`).join('; ')}`);
  return lines.join('\n');
}
