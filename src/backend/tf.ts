/**
 * The one TensorFlow.js instance every module uses. tfjs-core alone registers no gradients in
 * Node (its per-gradient ESM files cannot be imported without a bundler); the union package's
 * Node bundle registers all of them on this same core, so `tf.grad` works everywhere.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs';
import { registerCpuSegmentSum } from './cpu-segment-sum.js';
import { registerCpuDropoutMask } from './dropout.js';

// The CPU backend prints a multi-line "install tfjs-node" banner on first use; backend selection
// prints its own one-line report instead.
const cpu = tf.findBackend('cpu') as unknown as { firstUse?: boolean } | null;
if (cpu) cpu.firstUse = false;
registerCpuSegmentSum();
registerCpuDropoutMask();

export { tf };
export type Tensor = tf.Tensor;
