/**
 * The encoder: BERT (learned absolute positions) or NEZHA (functional relative positions, no
 * absolute position embeddings) by config, plus its task head. Parameters live in one map keyed
 * by reference names; forward returns the standard ModelOutput record.
 */
import { tf, type Tensor } from '../backend/tf.js';
import { ShapeError } from '../errors.js';
import type { ModelConfig } from './config.js';
import { selfAttention } from './attention.js';
import { applyHead } from './heads.js';
import { activation, DropoutRng, embeddingLookup, layerNorm, linear, param, type Params } from './ops.js';
import type { ModelOutput } from './output.js';
import { modelParams, type ParamSpec } from './params.js';

export interface Batch {
  inputIds: Tensor; // [B, T] int32
  tokenTypeIds?: Tensor; // [B, T] int32
  attentionMask?: Tensor; // [B, T] int32 or float32, 1 = real token
}

export interface ForwardOptions {
  /** Training mode: dropout on. Default false (eval). */
  training?: boolean;
  /** Seed of the dropout masks in training mode (same seed → same masks). */
  seed?: number;
  /** Skip the task head (a general-distillation teacher needs only hidden states and scores). */
  skipHead?: boolean;
}

let modelCounter = 0;

/** A fresh variable-name scope: tfjs variable names are global, teacher and student share names. */
export function newScope(): string {
  return `m${++modelCounter}`;
}

export class BertModel {
  readonly specs: ParamSpec[];

  /** `params` holds variables named `${scope}/${reference name}`. */
  constructor(
    readonly config: ModelConfig,
    readonly params: Params,
    readonly scope: string,
  ) {
    this.specs = modelParams(config);
  }

  /** Creates a model whose parameters are the given tensors (copied into fresh variables). */
  static fromTensors(config: ModelConfig, values: Map<string, Tensor>): BertModel {
    const scope = newScope();
    const params: Params = new Map();
    for (const spec of modelParams(config)) {
      const v = values.get(spec.name);
      if (!v) throw new ShapeError(`internal: no value for parameter ${spec.name}`);
      params.set(spec.name, tf.variable(v, true, `${scope}/${spec.name}`));
    }
    return new BertModel(config, params, scope);
  }

  /** Name of a variable without its scope. */
  paramName(variableName: string): string {
    return variableName.slice(this.scope.length + 1);
  }

  numParams(filter: (name: string) => boolean = () => true): number {
    let n = 0;
    for (const [name, v] of this.params) if (filter(name)) n += v.size;
    return n;
  }

  forward(batch: Batch, opts: ForwardOptions = {}): ModelOutput {
    const c = this.config;
    const ids = batch.inputIds;
    if (ids.rank !== 2) throw new ShapeError(`input_ids must be [B, T], got shape [${ids.shape}]`);
    const [B, T] = ids.shape as [number, number];
    if (!c.relativePositions && T > c.maxPositions) {
      throw new ShapeError(`sequence length ${T} exceeds max_position_embeddings ${c.maxPositions}`);
    }
    const dropout = opts.training ? new DropoutRng(opts.seed ?? 0) : undefined;
    const drop = (x: Tensor, rate: number) => (dropout ? dropout.apply(x, rate) : x);
    const p = this.params;

    const types = batch.tokenTypeIds ?? tf.zeros([B, T], 'int32');
    const mask = (batch.attentionMask ?? tf.ones([B, T])).cast('float32'); // [B, T]
    const maskAdd = tf.mul(tf.sub(1, mask), -10000).reshape([B, 1, 1, T]); // [B, 1, 1, T]

    let h = embeddingLookup(param(p, 'bert.embeddings.word_embeddings.weight'), ids, c.padTokenId); // [B, T, C]
    if (!c.relativePositions) {
      // Positions 0..T-1 are a slice: cheaper than a gather, and its gradient is a pad, not a scatter.
      const pos = tf.slice(param(p, 'bert.embeddings.position_embeddings.weight'), [0, 0], [T, c.hiddenSize]); // [T, C]
      h = tf.add(h, pos);
    }
    h = tf.add(h, tf.gather(param(p, 'bert.embeddings.token_type_embeddings.weight'), types));
    h = drop(layerNorm(p, 'bert.embeddings.LayerNorm', h, c.layerNormEps), c.hiddenDropout); // [B, T, C]

    const hiddenStates: Tensor[] = [h];
    const attentionScores: Tensor[] = [];
    const layer = (l: number, x: Tensor): [Tensor, Tensor] => {
      const pre = `bert.encoder.layer.${l}`;
      const att = selfAttention(p, `${pre}.attention.self`, c, x, maskAdd, dropout);
      const a = drop(linear(p, `${pre}.attention.output.dense`, att.context), c.hiddenDropout);
      const h1 = layerNorm(p, `${pre}.attention.output.LayerNorm`, tf.add(a, x), c.layerNormEps); // [B, T, C]
      const inter = activation(c.hiddenAct, linear(p, `${pre}.intermediate.dense`, h1)); // [B, T, F]
      const o = drop(linear(p, `${pre}.output.dense`, inter), c.hiddenDropout); // [B, T, C]
      return [layerNorm(p, `${pre}.output.LayerNorm`, tf.add(o, h1), c.layerNormEps), att.scores];
    };
    for (let l = 0; l < c.numLayers; l++) {
      // Without a gradient to record, each layer's intermediates are freed as soon as it is done:
      // an eval-mode teacher then holds one layer's activations, not all of them (memory reuse).
      const [next, scores] = opts.training ? layer(l, h) : tf.tidy(() => layer(l, h));
      attentionScores.push(scores);
      hiddenStates.push(next);
      h = next;
    }
    const cls = h.slice([0, 0, 0], [B, 1, c.hiddenSize]).reshape([B, c.hiddenSize]); // [B, C]
    const pooledOutput = tf.tanh(linear(p, 'bert.pooler.dense', cls)); // [B, C]
    const head = opts.skipHead ? {} : applyHead(c, p, h, pooledOutput, drop);
    return { hiddenStates, attentionScores, pooledOutput, ...head, attentionMask: mask };
  }

  /** Parameter values as plain arrays (for saving). */
  async tensorData(): Promise<Map<string, { shape: number[]; data: Float32Array }>> {
    const out = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const [name, v] of this.params) out.set(name, { shape: [...v.shape], data: (await v.data()) as Float32Array });
    return out;
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
  }
}
