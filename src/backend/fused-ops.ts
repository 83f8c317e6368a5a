/**
 * Fused LayerNorm and GELU as custom ops with their own gradients. A backend opts in by
 * registering the kernels named here (`native` does, kernels/fused.ts); elsewhere `fusedOpsOn()` is
 * false and the model composes them from ordinary tfjs ops (src/model/ops.ts), which stays the
 * reference the fused kernels are tested against. Browser-safe: kernels are looked up by name.
 */
import * as tf from '@tensorflow/tfjs-core';
import { GELU, GELU_GRAD, LAYER_NORM, LAYER_NORM_GRAD } from './kernel-names.js';

/** Whether the current backend has the fused kernels. */
export function fusedOpsOn(): boolean {
  const backend = tf.getBackend();
  return tf.getKernel(LAYER_NORM, backend) !== undefined && tf.getKernel(GELU, backend) !== undefined;
}

function run(name: string, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap = {}): tf.Tensor[] {
  const out = tf.engine().runKernel(name, inputs, attrs) as tf.Tensor | tf.Tensor[];
  return Array.isArray(out) ? out : [out];
}

type LayerNormOp = (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => tf.Tensor;
const layerNormOps = new Map<number, LayerNormOp>();

/** The custom-gradient op for one epsilon (attributes are not tensors, so one op per value). */
function layerNormOp(eps: number): LayerNormOp {
  let op = layerNormOps.get(eps);
  if (!op) {
    op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [x, gamma, beta] = args as [tf.Tensor, tf.Tensor, tf.Tensor];
      const save = args[3] as tf.GradSaveFunc;
      const [y, mean, rstd] = run(LAYER_NORM, { x, gamma, beta }, { eps });
      save([x, gamma, mean!, rstd!]);
      return {
        value: y!,
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
          const [sx, sg, sm, sr] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
          return run(LAYER_NORM_GRAD, { dy: dy as tf.Tensor, x: sx, gamma: sg, mean: sm, rstd: sr });
        },
      };
    }) as LayerNormOp;
    layerNormOps.set(eps, op);
  }
  return op;
}

/** LayerNorm over the last axis: (x - mean) / sqrt(biased var + eps) · gamma + beta, one kernel each way. */
export function fusedLayerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor {
  return layerNormOp(eps)(x, gamma, beta);
}

const geluOp = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const x = args[0] as tf.Tensor;
  const save = args[1] as tf.GradSaveFunc;
  save([x]);
  return {
    value: run(GELU, { x })[0]!,
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => run(GELU_GRAD, { dy: dy as tf.Tensor, x: saved[0]! })[0]!,
  };
});

/** Exact GELU x · ½(1 + erf(x/√2)), one kernel each way. */
export function fusedGelu(x: tf.Tensor): tf.Tensor {
  return geluOp(x) as tf.Tensor;
}
