/**
 * Every parameter of a model, by its reference PyTorch name and shape. The names are the canonical
 * ones inside tinybert (NEZHA-PyTorch / TinyBERT: `bert.` prefix); src/checkpoint/names.ts maps
 * other ecosystems onto them. Linear weights keep PyTorch's [out, in] layout so checkpoints load
 * without transposes and gradient norms compare by name.
 */
import type { ModelConfig } from './config.js';

export type Init = 'normal' | 'zeros' | 'ones';

export interface ParamSpec {
  name: string;
  shape: number[];
  init: Init;
}

function linear(prefix: string, out: number, inp: number): ParamSpec[] {
  return [
    { name: `${prefix}.weight`, shape: [out, inp], init: 'normal' },
    { name: `${prefix}.bias`, shape: [out], init: 'zeros' },
  ];
}

function layerNorm(prefix: string, size: number): ParamSpec[] {
  return [
    { name: `${prefix}.weight`, shape: [size], init: 'ones' },
    { name: `${prefix}.bias`, shape: [size], init: 'zeros' },
  ];
}

export function encoderParams(c: ModelConfig): ParamSpec[] {
  const C = c.hiddenSize;
  const specs: ParamSpec[] = [{ name: 'bert.embeddings.word_embeddings.weight', shape: [c.vocabSize, C], init: 'normal' }];
  if (!c.relativePositions) {
    specs.push({ name: 'bert.embeddings.position_embeddings.weight', shape: [c.maxPositions, C], init: 'normal' });
  }
  specs.push(
    { name: 'bert.embeddings.token_type_embeddings.weight', shape: [c.typeVocabSize, C], init: 'normal' },
    ...layerNorm('bert.embeddings.LayerNorm', C),
  );
  for (let l = 0; l < c.numLayers; l++) {
    const p = `bert.encoder.layer.${l}`;
    specs.push(
      ...linear(`${p}.attention.self.query`, C, C),
      ...linear(`${p}.attention.self.key`, C, C),
      ...linear(`${p}.attention.self.value`, C, C),
      ...linear(`${p}.attention.output.dense`, C, C),
      ...layerNorm(`${p}.attention.output.LayerNorm`, C),
      ...linear(`${p}.intermediate.dense`, c.intermediateSize, C),
      ...linear(`${p}.output.dense`, C, c.intermediateSize),
      ...layerNorm(`${p}.output.LayerNorm`, C),
    );
  }
  specs.push(...linear('bert.pooler.dense', C, C));
  return specs;
}

export function headParams(c: ModelConfig): ParamSpec[] {
  const C = c.hiddenSize;
  switch (c.head) {
    case 'classification':
    case 'token-classification':
      return linear('classifier', c.numLabels, C);
    case 'span':
      return linear('qa_outputs', 2, C);
    case 'mlm':
    case 'pretraining': {
      // The decoder weight is tied to the word embeddings: not a parameter of its own.
      const mlm = [
        ...linear('cls.predictions.transform.dense', C, C),
        ...layerNorm('cls.predictions.transform.LayerNorm', C),
        { name: 'cls.predictions.bias', shape: [c.vocabSize], init: 'zeros' as const },
      ];
      return c.head === 'pretraining' ? [...mlm, ...linear('cls.seq_relationship', 2, C)] : mlm;
    }
    case 'none':
      return [];
  }
}

export function modelParams(c: ModelConfig): ParamSpec[] {
  return [...encoderParams(c), ...headParams(c)];
}

export function countParams(specs: ParamSpec[]): number {
  return specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
}
