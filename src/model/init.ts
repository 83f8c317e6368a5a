/**
 * Fresh, seeded BERT initialisation (Devlin et al. 2019, as in the reference `init_bert_weights`
 * but truncated at two standard deviations like Google's TF code): weights ~ TruncatedNormal(0,
 * initializer_range), biases 0, LayerNorm weight 1. Each parameter's seed is derived from the run
 * seed and its name, so adding a head does not change the encoder's values.
 */
import { tf } from '../backend/tf.js';
import { BertModel, newScope } from './bert.js';
import type { ModelConfig } from './config.js';
import type { Params } from './ops.js';
import { modelParams, type ParamSpec } from './params.js';

/** FNV-1a of the name mixed with the seed: a stable 31-bit per-parameter seed. */
export function paramSeed(seed: number, name: string): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return (h >>> 1) & 0x7fffffff;
}

export function initTensor(spec: ParamSpec, range: number, seed: number): tf.Tensor {
  switch (spec.init) {
    case 'normal':
      return tf.truncatedNormal(spec.shape, 0, range, 'float32', paramSeed(seed, spec.name));
    case 'zeros':
      return tf.zeros(spec.shape);
    case 'ones':
      return tf.ones(spec.shape);
  }
}

/** A freshly initialised model for `config`. */
export function createModel(config: ModelConfig, seed = 0): BertModel {
  const scope = newScope();
  const params: Params = new Map();
  for (const spec of modelParams(config)) {
    const t = initTensor(spec, config.initializerRange, seed);
    params.set(spec.name, tf.variable(t, true, `${scope}/${spec.name}`));
    t.dispose();
  }
  return new BertModel(config, params, scope);
}
