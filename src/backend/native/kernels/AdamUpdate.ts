/**
 * TinybertAdamUpdate on `native` (src/train/optimizers/adam-update.ts): one optimizer step of one
 * tensor in one multi-threaded pass of the addon (native/src/optim.cc). The step's scalars are
 * derived here in float64 by the same expressions as the tfjs reference (bertadam.ts, adamw.ts,
 * lamb.ts) and rounded to float32 by the addon, as tfjs rounds a scalar operand; the addon then
 * repeats the reference's float32 operations in the same order. No `cpu` kernel: there the
 * optimizers run their tfjs ops.
 */
import { ADAM_UPDATE, adamUpdateAttrs } from '../../kernel-names.js';
import { ShapeError } from '../../../errors.js';
import { tf } from '../../tf.js';
import { AdamRule } from '../addon.js';
import { addon, cpuBackend, f32, output, type TensorInfo } from '../util.js';

export const adamUpdateConfig: tf.KernelConfig = {
  kernelName: ADAM_UPDATE,
  backendName: 'native',
  kernelFunc: (args) => {
    const inputs = args.inputs as Record<'p' | 'g' | 'm' | 'v', TensorInfo>;
    const a = adamUpdateAttrs(args.attrs ?? {});
    const backend = cpuBackend(args);
    const [p, g, m, v] = (['p', 'g', 'm', 'v'] as const).map((name) => {
      const t = inputs[name];
      if (!tf.util.arraysEqual(t.shape, inputs.p.shape)) {
        throw new ShapeError(`${ADAM_UPDATE}: ${name} has shape [${t.shape}], p [${inputs.p.shape}]`);
      }
      const values = f32(backend, t);
      if (!values) throw new Error(`${ADAM_UPDATE}: ${name} must be float32 on this backend, got ${t.dtype}`);
      return values;
    });
    const shape = inputs.p.shape.slice();
    const [pOut, pv] = output(backend, shape);
    const [mOut, mv] = output(backend, shape);
    const [vOut, vv] = output(backend, shape);
    const bc1 = 1 - a.b1 ** a.t;
    const bc2 = 1 - a.b2 ** a.t;
    addon().adamUpdate(p!, g!, m!, v!, pv, mv, vv, {
      rule: AdamRule[a.rule],
      gradScale: a.gradScale,
      maxNorm: a.maxNorm,
      b1: a.b1,
      oneMinusB1: 1 - a.b1,
      b2: a.b2,
      oneMinusB2: 1 - a.b2,
      eps: a.eps,
      lr: a.lr,
      weightDecay: a.weightDecay,
      decay: a.decay,
      decayMul: 1 - a.lr * a.weightDecay,
      sqrtBc2: Math.sqrt(bc2),
      stepSize: a.lr / bc1,
      bc1,
      bc2,
    });
    return [pOut, mOut, vOut];
  },
};
