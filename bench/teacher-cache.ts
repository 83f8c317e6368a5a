/**
 * What the teacher-output cache saves per batch: an eval-mode teacher forward against a cache
 * lookup, on the same batches (random ids, B x T, all tokens real), plus the one-off costs (filling
 * the cache, naming the teacher).
 *
 *   npx tsc -p bench/tsconfig.json; node dist/bench/teacher-cache.js [layers] [hidden]
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../src/backend/select.js';
import { tf } from '../src/backend/tf.js';
import { fillTeacherCache, TeacherCache, teacherIdentity } from '../src/distill/teacher-cache.js';
import { createModel, parseModelConfig, type Batch } from '../src/model/index.js';

const layers = Number(process.argv[2] ?? 6);
const hidden = Number(process.argv[3] ?? 384);
const B = 32;
const T = 128;
const N = 8;

const info = await initBackend('auto', { quiet: true });
const teacher = createModel(
  parseModelConfig({
    model_type: 'nezha', vocab_size: 21128, hidden_size: hidden, num_hidden_layers: layers, num_attention_heads: hidden / 64,
    intermediate_size: 4 * hidden, max_position_embeddings: 512, max_relative_position: 64, id2label: { 0: 'negative', 1: 'positive' },
  }),
  1,
);
const batches: Batch[] = Array.from({ length: N }, (_, i) => ({
  inputIds: tf.randomUniform([B, T], 5, 21128, 'int32', i),
  tokenTypeIds: tf.zeros([B, T], 'int32'),
  attentionMask: tf.ones([B, T], 'int32'),
}));

const time = (f: () => void): number => {
  const start = performance.now();
  f();
  return performance.now() - start;
};
const idMs = time(() => teacherIdentity(teacher));
const dir = join(mkdtempSync(join(tmpdir(), 'tb-bench-cache-')), 'cache');
let start = performance.now();
await fillTeacherCache(teacher, batches, dir);
const fillMs = performance.now() - start;
const cache = TeacherCache.open(dir, teacherIdentity(teacher));
let forwardMs = 0;
let lookupMs = 0;
for (const b of batches) {
  forwardMs += time(() => tf.tidy(() => teacher.forward(b, { training: false }).logits!.dataSync()));
  lookupMs += time(() => tf.tidy(() => cache.lookup(b)!.dataSync()));
}
console.log(
  `${info.name} backend, NEZHA ${layers}L/${hidden} teacher, ${B}x${T}: forward ${(forwardMs / N).toFixed(1)} ms per batch, ` +
    `cache lookup ${(lookupMs / N).toFixed(2)} ms; fill ${(fillMs / N).toFixed(1)} ms per batch; teacherIdentity ${idMs.toFixed(0)} ms once`,
);
cache.close();
