/**
 * `tinybert inspect`: what is in a model directory — config summary, parameters per component,
 * weight file and format, vocabulary size and anything the loader ignored or kept aside.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { describeClassifierRelu, type ModelConfig } from '../model/config.js';
import { loadModelDir } from './model-dir.js';

export interface ModelSummary {
  dir: string;
  config: ModelConfig;
  weightsFile: string;
  format: string;
  bytesOnDisk: number;
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
    const vocabSize = vocabPath ? readFileSync(vocabPath, 'utf8').split('\n').filter((l, i, a) => i < a.length - 1 || l !== '').length : undefined;
    return {
      dir,
      config: model.config,
      weightsFile: report.weightsFile,
      format: report.format,
      bytesOnDisk: statSync(report.weightsFile).size,
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

const fmt = (n: number) => n.toLocaleString('en-US');

export function formatSummary(s: ModelSummary): string {
  const c = s.config;
  const lines = [
    `model      ${s.dir}`,
    `type       ${c.modelType} (${c.relativePositions ? `relative positions, k=${c.maxRelativePosition}` : `absolute positions, ${c.maxPositions}`})`,
    `shape      ${c.numLayers} layers, hidden ${c.hiddenSize}, ${c.numHeads} heads × ${c.headSize}, FFN ${c.intermediateSize}, ${c.hiddenAct}`,
    `head       ${c.head}${c.head === 'classification' || c.head === 'token-classification' ? ` (${c.numLabels} labels: ${c.labels.join(', ')})` : ''}`,
    ...(c.head === 'classification' ? [`classifier ${describeClassifierRelu(c)}`] : []),
    `weights    ${basename(s.weightsFile)} (${s.format}, ${(s.bytesOnDisk / 1048576).toFixed(2)} MiB)`,
    `vocab      ${s.vocabSize !== undefined ? `${fmt(s.vocabSize)} tokens (config vocab_size ${fmt(c.vocabSize)})` : `no vocab.txt (config vocab_size ${fmt(c.vocabSize)})`}`,
    `parameters ${fmt(s.totalParams)}`,
    ...s.components.map((x) => `  ${x.component.padEnd(12)} ${fmt(x.params).padStart(14)}`),
  ];
  if (s.extras.length) lines.push(`training-only tensors (not part of the model): ${s.extras.join(', ')}`);
  if (s.ignored.length) lines.push(`ignored tensors: ${s.ignored.map((i) => `${i.name} (${i.reason})`).join('; ')}`);
  return lines.join('\n');
}
