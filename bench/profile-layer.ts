/** `node dist/bench/profile-layer.js [steps]`: BERT-layer stand-in timing and kernel profile on native. */
import { tf } from '../src/backend/tf.js';
import { registerNativeBackend, startKernelProfile, stopKernelProfile } from '../src/backend/native/index.js';
import { benchLayer } from './layer.js';

const desc = registerNativeBackend();
if (!desc) throw new Error('native addon not built');
await tf.setBackend('native');
const steps = Number(process.argv[2] ?? 3);
console.log(JSON.stringify(benchLayer(steps)));
startKernelProfile();
benchLayer(1);
const prof = stopKernelProfile();
const total = prof.reduce((s, k) => s + k.ms, 0);
for (const k of prof.slice(0, 15)) console.log(`${k.name.padEnd(22)} ${k.native ? 'native' : 'cpu   '} ${k.calls.toString().padStart(5)} calls ${k.ms.toFixed(1).padStart(9)} ms ${((100 * k.ms) / total).toFixed(1).padStart(5)}%`);
