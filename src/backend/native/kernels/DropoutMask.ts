/**
 * TinybertDropoutMask on `native`: the counter-based stream of src/backend/dropout.ts (where the
 * `cpu` reference lives), filled by the addon in one multi-threaded pass — the same bits.
 */
import { DROPOUT_MASK, dropoutMaskAttrs } from '../../kernel-names.js';
import { tf } from '../../tf.js';
import { addon, cpuBackend, output } from '../util.js';

export const dropoutMaskConfig: tf.KernelConfig = {
  kernelName: DROPOUT_MASK,
  backendName: 'native',
  kernelFunc: (args) => {
    const { shape, rate, seed } = dropoutMaskAttrs(args.attrs ?? {});
    const [out, v] = output(cpuBackend(args), shape);
    if (v.length > 0) addon().dropoutMask(v, seed, rate, Math.fround(1 / (1 - rate)));
    return out;
  },
};
