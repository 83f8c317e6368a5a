/**
 * One TinyBERT task-distillation step built on the toolkit's own model, losses and BertAdam,
 * with the shapes of ../shared/bench/torch_distill_step.py: NEZHA-base teacher (12L/768, relative
 * positions k = 64, eval mode) → TinyBERT-4L-312 student (train mode, dropout 0.1), shared
 * `fit_dense`, batch B × T fixed-length, all tokens valid, token types half 0 / half 1.
 *
 * kind `intermediate`: attention + embedding + hidden MSE (task_distill.py att_loss + rep_loss);
 * kind `pred`: soft cross-entropy at T = 1. Both run the full teacher and student forward.
 */
import { tf } from '../src/backend/tf.js';
import { createModel, parseModelConfig, type Batch, type BertModel, type ModelOutput } from '../src/model/index.js';
import { distillLosses, type DistillSpec } from '../src/distill/objective.js';
import { resolveMapping } from '../src/distill/mapping.js';
import { createProjection, type Projection } from '../src/distill/projection.js';
import { createOptimizer, type Optimizer } from '../src/train/optimizer.js';
import { disposeGrads, namedGrads } from '../src/train/gradients.js';

export type StepKind = 'intermediate' | 'pred';

export interface Shapes {
  batch: number;
  seq: number;
  vocab: number;
  teacherLayers: number;
  teacherHidden: number;
  teacherHeads: number;
  teacherFfn: number;
  maxRel: number;
  studentLayers: number;
  studentHidden: number;
  studentHeads: number;
  studentFfn: number;
}

export const REFERENCE_SHAPES: Shapes = {
  batch: 32,
  seq: 128,
  vocab: 21128,
  teacherLayers: 12,
  teacherHidden: 768,
  teacherHeads: 12,
  teacherFfn: 3072,
  maxRel: 64,
  studentLayers: 4,
  studentHidden: 312,
  studentHeads: 12,
  studentFfn: 1200,
};

export interface StepTimes {
  total: number;
  teacher_forward: number;
  /** Student forward + losses + backward. */
  student_grad: number;
  optimizer: number;
  loss: number;
  /** Process CPU seconds (all threads, user + system) over the step. */
  cpu: number;
}

export class DistillBench {
  readonly teacher: BertModel;
  readonly student: BertModel;
  readonly projection: Projection;
  private optimizer: Optimizer | undefined;
  private optimizerKind: StepKind | undefined;
  private stepNo = 0;

  constructor(readonly shapes: Shapes) {
    const s = shapes;
    this.teacher = createModel(
      parseModelConfig({
        model_type: 'nezha', use_relative_position: true, max_relative_position: s.maxRel, vocab_size: s.vocab,
        hidden_size: s.teacherHidden, num_hidden_layers: s.teacherLayers, num_attention_heads: s.teacherHeads,
        intermediate_size: s.teacherFfn, hidden_dropout_prob: 0.1, attention_probs_dropout_prob: 0.1, num_labels: 2,
      }, 'bench teacher'),
      1,
    );
    this.student = createModel(
      parseModelConfig({
        model_type: 'bert', vocab_size: s.vocab, hidden_size: s.studentHidden, num_hidden_layers: s.studentLayers,
        num_attention_heads: s.studentHeads, intermediate_size: s.studentFfn, hidden_dropout_prob: 0.1,
        attention_probs_dropout_prob: 0.1, num_labels: 2, classifier_relu: true,
      }, 'bench student'),
      2,
    );
    this.projection = createProjection({
      kind: 'shared', studentHidden: s.studentHidden, teacherHidden: s.teacherHidden, numStates: s.studentLayers + 1, seed: 3,
    });
  }

  /** Random ids in [1, V), token types half 0 / half 1, all positions valid (as the baseline). */
  makeBatch(batch = this.shapes.batch, seq = this.shapes.seq, seed = 0): Batch {
    return tf.tidy(() => ({
      inputIds: tf.randomUniform([batch, seq], 1, this.shapes.vocab, 'int32', seed), // [B, T]
      tokenTypeIds: tf.concat([tf.zeros([batch, seq >> 1], 'int32'), tf.ones([batch, seq - (seq >> 1)], 'int32')], 1), // [B, T]
      attentionMask: tf.ones([batch, seq], 'int32'), // [B, T]
    }));
  }

  private spec(kind: StepKind): DistillSpec {
    const mapping = resolveMapping('uniform', { layers: this.teacher.config.numLayers, heads: this.teacher.config.numHeads }, {
      layers: this.student.config.numLayers,
      heads: this.student.config.numHeads,
    });
    return kind === 'intermediate'
      ? { losses: { attention: 1, embedding: 1, hidden: 1 }, semantics: 'reference', mapping, projection: this.projection }
      : { losses: { prediction: 1 }, semantics: 'reference', mapping, temperature: 1 };
  }

  private optimizerFor(kind: StepKind): Optimizer {
    if (this.optimizerKind !== kind) {
      this.optimizer?.dispose();
      const params = new Map([...this.student.params, ...this.projection.params]);
      this.optimizer = createOptimizer('bertadam', params, {});
      this.optimizerKind = kind;
    }
    return this.optimizer!;
  }

  // Kernels on cpu/native run synchronously, so wall-clock laps need no device sync (reading a
  // result back would also pin its buffer out of the native backend's pool).

  /** Teacher forward only (eval mode, no gradient); returns seconds. */
  teacherForward(batch: Batch): number {
    const t0 = performance.now();
    const out = tf.tidy(() => this.teacher.forward(batch, { training: false }) as unknown as tf.TensorContainer);
    tf.dispose(out);
    return (performance.now() - t0) / 1000;
  }

  /** One full distillation step; returns the phase times in seconds. */
  step(kind: StepKind, batch: Batch): StepTimes {
    const spec = this.spec(kind);
    const opt = this.optimizerFor(kind);
    const lr = kind === 'intermediate' ? 5e-5 : 3e-5;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const teacherOut = tf.tidy(() => this.teacher.forward(batch, { training: false }) as unknown as tf.TensorContainer) as unknown as ModelOutput;
    const t1 = performance.now();
    const seed = ++this.stepNo;
    const { value, grads } = namedGrads(
      () => {
        const s = this.student.forward(batch, { training: true, seed });
        const { total, terms } = distillLosses(teacherOut, s, spec);
        tf.dispose(Object.values(terms));
        return total;
      },
      this.student.params,
      this.projection.params,
    );
    const loss = value.dataSync()[0]!;
    const t2 = performance.now();
    opt.step(grads, lr);
    disposeGrads(grads);
    value.dispose();
    tf.dispose(teacherOut as unknown as tf.TensorContainer);
    const t3 = performance.now();
    const c = process.cpuUsage(c0);
    return {
      cpu: (c.user + c.system) / 1e6, total: (t3 - t0) / 1000, teacher_forward: (t1 - t0) / 1000, student_grad: (t2 - t1) / 1000, optimizer: (t3 - t2) / 1000, loss };
  }

  dispose(): void {
    this.optimizer?.dispose();
    this.teacher.dispose();
    this.student.dispose();
    this.projection.dispose();
  }
}
