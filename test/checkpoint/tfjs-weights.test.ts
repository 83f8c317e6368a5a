import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TensorMap } from '../../src/checkpoint/tensor-map.js';
import { decodeTfjsWeights } from '../../src/checkpoint/tfjs-codec.js';
import { readTfjsWeights, writeTfjsWeights, type TfjsModelJson } from '../../src/checkpoint/tfjs-weights.js';
import { expectCheckpointError, expectSameBits, expectSameTensors, sampleTensors, tempDir, tensor } from './fixtures.js';

const root = tempDir();
let counter = 0;
const fresh = () => join(root, `m${counter++}`);
const modelJson = (dir: string) => JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as TfjsModelJson;
const shardsOf = (dir: string) => modelJson(dir).weightsManifest.flatMap((g) => g.paths).map((p) => readFileSync(join(dir, p)));

describe('tfjs weights: write and read', () => {
  it('round trip over many shards is bit-exact, tensors spanning shard boundaries', () => {
    const dir = fresh();
    const tensors = sampleTensors();
    writeTfjsWeights(dir, tensors, { shardBytes: 48 });
    const json = modelJson(dir);
    const paths = json.weightsManifest[0]!.paths;
    const total = [...tensors.values()].reduce((n, t) => n + 4 * t.data.length, 0);
    expect(paths.length).toBe(Math.ceil(total / 48));
    expect(paths[0]).toBe(`group1-shard1of${paths.length}.bin`);
    expect(paths.slice(0, -1).every((p) => readFileSync(join(dir, p)).length === 48)).toBe(true);
    expectSameTensors(readTfjsWeights(dir), tensors);
    expectSameTensors(readTfjsWeights(join(dir, 'model.json')), tensors);
  });

  it('model.json follows the manifest conventions and carries the extra fields', () => {
    const dir = fresh();
    writeTfjsWeights(dir, sampleTensors(), { modelJsonExtra: { config: { hidden_size: 5 } } });
    const json = modelJson(dir);
    expect(json.format).toBe('tinybert-weights');
    expect(json.generatedBy).toBe('tinybert');
    expect(json.config).toEqual({ hidden_size: 5 });
    expect(json.weightsManifest).toHaveLength(1);
    expect(json.weightsManifest[0]!.paths).toEqual(['group1-shard1of1.bin']);
    expect(json.weightsManifest[0]!.weights[0]).toEqual({ name: 'bert.embeddings.word_embeddings.weight', shape: [7, 5], dtype: 'float32' });
  });

  it('float16 is declared as float32 with float16 quantization and read back as F16', () => {
    const dir = fresh();
    const tensors: TensorMap = new Map([['h', { shape: [2, 2], data: Float32Array.from([1, -0.5, 65504, 2 ** -24]), dtype: 'F16' }]]);
    writeTfjsWeights(dir, tensors, { dtype: 'float16' });
    expect(modelJson(dir).weightsManifest[0]!.weights[0]).toEqual({ name: 'h', shape: [2, 2], dtype: 'float32', quantization: { dtype: 'float16' } });
    expect(shardsOf(dir)[0]!.length).toBe(8);
    expectSameTensors(readTfjsWeights(dir), tensors);
    expect(readTfjsWeights(dir).get('h')!.dtype).toBe('F16');
  });

  it('tf.io.decodeWeights reads the same values (float32 and float16, several shards)', async () => {
    const tf = await import('@tensorflow/tfjs-core');
    await import('@tensorflow/tfjs-backend-cpu');
    for (const dtype of ['float32', 'float16'] as const) {
      const dir = fresh();
      const tensors: TensorMap = new Map([['a', tensor([3, 7], 11)], ['b', tensor([5], 12)]]);
      writeTfjsWeights(dir, tensors, { dtype, shardBytes: 20 });
      const json = modelJson(dir);
      const buffers = shardsOf(dir).map((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
      const decoded = tf.io.decodeWeights(buffers, json.weightsManifest[0]!.weights);
      const ours = decodeTfjsWeights(json, buffers);
      for (const [name, t] of ours) {
        expect(decoded[name]!.shape).toEqual(t.shape);
        expectSameBits(decoded[name]!.dataSync() as Float32Array, t.data, `${dtype} ${name}`);
      }
      tf.dispose(Object.values(decoded));
    }
  });

  it('rewriting with fewer shards removes the stale ones', () => {
    const dir = fresh();
    writeTfjsWeights(dir, sampleTensors(), { shardBytes: 16 });
    writeTfjsWeights(dir, sampleTensors());
    expect(readdirSync(dir).sort()).toEqual(['group1-shard1of1.bin', 'model.json']);
  });

  it('an empty map writes a manifest without shards', () => {
    const dir = fresh();
    writeTfjsWeights(dir, new Map());
    expect(modelJson(dir).weightsManifest[0]!.paths).toEqual([]);
    expect(readTfjsWeights(dir).size).toBe(0);
  });
});

describe('tfjs weights: rejections name the file and the reason', () => {
  /** A valid two-shard directory whose model.json the test may then edit. */
  const prepared = (edit?: (json: TfjsModelJson) => void) => {
    const dir = fresh();
    writeTfjsWeights(dir, new Map([['a', tensor([4], 1)], ['b', tensor([2], 2)]]), { shardBytes: 16 });
    if (edit) {
      const json = modelJson(dir);
      edit(json);
      writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    }
    return dir;
  };

  it('missing directory, model.json or shard', () => {
    expectCheckpointError(() => readTfjsWeights(join(root, 'absent')), 'absent', 'not found');
    const noJson = fresh();
    mkdirSync(noJson);
    expectCheckpointError(() => readTfjsWeights(noJson), join(noJson, 'model.json'), 'not found');
    const other = prepared((j) => { j.weightsManifest[0]!.paths[1] = 'gone.bin'; });
    expectCheckpointError(() => readTfjsWeights(other), join(other, 'gone.bin'), 'not found');
  });

  it('truncated or oversized shards', () => {
    const dir = prepared();
    writeFileSync(join(dir, 'group1-shard2of2.bin'), new Uint8Array(4));
    expectCheckpointError(() => readTfjsWeights(dir), 'model.json', 'shards end inside weight "b"');
    writeFileSync(join(dir, 'group1-shard2of2.bin'), new Uint8Array(12));
    expectCheckpointError(() => readTfjsWeights(dir), 'model.json', '4 trailing bytes');
  });

  it('bad model.json: not JSON, no manifest, bad dtype, bad quantization, bad shape, duplicates', () => {
    const dir = prepared();
    writeFileSync(join(dir, 'model.json'), '{"weightsManifest": [');
    expectCheckpointError(() => readTfjsWeights(dir), 'model.json: not valid JSON');
    writeFileSync(join(dir, 'model.json'), '{"modelTopology": {}}');
    expectCheckpointError(() => readTfjsWeights(dir), 'model.json', 'no "weightsManifest" list');
    expectCheckpointError(() => readTfjsWeights(prepared((j) => { (j.weightsManifest[0]!.weights[0] as { dtype: string }).dtype = 'int32'; })),
      'weight "a" has dtype "int32"; only float32');
    expectCheckpointError(() => readTfjsWeights(prepared((j) => { (j.weightsManifest[0]!.weights[0] as object as { quantization: object }).quantization = { dtype: 'uint8', scale: 1, min: 0 }; })),
      'weight "a" has quantization', 'only float16');
    expectCheckpointError(() => readTfjsWeights(prepared((j) => { j.weightsManifest[0]!.weights[1]!.shape = [-2]; })), 'weight "b" has invalid shape [-2]');
    expectCheckpointError(() => readTfjsWeights(prepared((j) => { j.weightsManifest[0]!.weights[1]!.name = 'a'; })), 'weight "a" appears twice');
  });

  it('shard paths may not leave the directory', () => {
    for (const p of ['../escape.bin', '/etc/passwd', 'a/../../b.bin']) {
      expectCheckpointError(() => readTfjsWeights(prepared((j) => { j.weightsManifest[0]!.paths[0] = p; })), `shard path "${p}"`, 'relative to model.json');
    }
  });

  it('decoder: shard count must match the manifest', () => {
    const dir = prepared();
    expectCheckpointError(() => decodeTfjsWeights(modelJson(dir), [new ArrayBuffer(16)], 'mem/model.json'),
      'mem/model.json', 'lists 2 shard files but 1 were given');
  });

  it('writer: bad options', () => {
    expectCheckpointError(() => writeTfjsWeights(fresh(), sampleTensors(), { shardBytes: 0 }), 'shardBytes must be a positive integer');
    expectCheckpointError(() => writeTfjsWeights(fresh(), sampleTensors(), { modelJsonExtra: { weightsManifest: [] } }), 'may not contain weightsManifest');
  });
});
