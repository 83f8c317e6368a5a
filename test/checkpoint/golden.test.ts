/**
 * The golden checkpoints written by torch 1.13 and make_golden.py (see ../shared/golden/README.md):
 * both formats of each model hold the same names and bit-identical values, with the documented
 * differences (HF names and buffers, the MLM's tied decoder), and files written here follow the
 * same layout rules.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { readWeights } from '../../src/checkpoint/files.js';
import { readPytorchBin, writePytorchBin } from '../../src/checkpoint/pytorch.js';
import { readSafetensors, writeSafetensors } from '../../src/checkpoint/safetensors.js';
import type { TensorMap } from '../../src/checkpoint/tensor-map.js';
import { describeGolden, GOLDEN } from '../helpers/shared.js';
import { expectSameBits, expectSameTensors, runPython, tempDir, TORCH_PYTHON } from './fixtures.js';

const HF_BUFFER = /^nezha\.encoder\.layer\.\d+\.attention\.self\.relative_positions_encoding\.positions_encoding$/;
const TIED = 'cls.predictions.decoder.weight';
const WORD_EMBEDDINGS = 'bert.embeddings.word_embeddings.weight';

const out = tempDir();

describeGolden('golden checkpoints', () => {
  const load = (model: string) => ({
    bin: readPytorchBin(join(GOLDEN, model, 'pytorch_model.bin')),
    st: readSafetensors(join(GOLDEN, model, 'model.safetensors')),
  });
  // Loaded on first use: this body also runs (to collect skipped tests) when ../shared is absent.
  let teacherCache: ReturnType<typeof load> | undefined;
  const teacher = () => (teacherCache ??= load('nezha_teacher'));

  it('nezha_teacher: .bin and .safetensors hold the same names, shapes and bits', () => {
    expect(teacher().bin.size).toBe(72);
    expect(teacher().st.metadata).toEqual({ format: 'pt' });
    expectSameTensors(teacher().st.tensors, teacher().bin);
    expect(teacher().bin.has('bert.embeddings.position_embeddings.weight')).toBe(false);
    expect(teacher().bin.get(WORD_EMBEDDINGS)!.shape).toEqual([21128, 64]);
    expect(teacher().bin.get('classifier.weight')!.shape).toEqual([3, 64]);
  });

  it('nezha_teacher/hf: nezha. names, the same values, plus the positions_encoding buffers', () => {
    const hf = readSafetensors(join(GOLDEN, 'nezha_teacher', 'hf', 'model.safetensors')).tensors;
    const buffers = [...hf.keys()].filter((k) => HF_BUFFER.test(k));
    expect(buffers).toHaveLength(4);
    for (const b of buffers) expect(hf.get(b)!.shape).toEqual([64, 64, 16]);
    const renamed: TensorMap = new Map([...hf].filter(([k]) => !HF_BUFFER.test(k)).map(([k, v]) => [k.replace(/^nezha\./, 'bert.'), v]));
    expect([...renamed.keys()].sort()).toEqual([...teacher().bin.keys()].sort());
    for (const [name, t] of teacher().bin) expectSameBits(renamed.get(name)!.data, t.data, name);
  });

  it('tinybert_student: both formats agree, fit_dense included', () => {
    const student = load('tinybert_student');
    expect(student.bin.size).toBe(43);
    expectSameTensors(student.st.tensors, student.bin);
    expect(student.bin.get('fit_dense.weight')!.shape).toEqual([64, 32]);
    expect(student.bin.get('bert.embeddings.position_embeddings.weight')!.shape).toEqual([64, 32]);
  });

  it('nezha_mlm: the decoder shares the word-embedding storage; safetensors omits it', () => {
    const mlm = load('nezha_mlm');
    expect(mlm.bin.get(TIED)!.data).toBe(mlm.bin.get(WORD_EMBEDDINGS)!.data);
    expect(mlm.bin.get(TIED)!.shape).toEqual([21128, 64]);
    expect(mlm.st.tensors.has(TIED)).toBe(false);
    const withoutTied: TensorMap = new Map([...mlm.bin].filter(([k]) => k !== TIED));
    expectSameTensors(mlm.st.tensors, withoutTied);
    // The MLM's encoder is the teacher's encoder before fine-tuning: bit-identical.
    for (const [name, t] of teacher().bin) {
      if (name.startsWith('bert.')) expectSameBits(mlm.bin.get(name)!.data, t.data, name);
    }
  });

  it('legacy_pytorch_model.bin (views into one storage, no word embeddings) holds the teacher\'s other tensors bit for bit', () => {
    const legacy = readWeights(join(GOLDEN, 'nezha_teacher', 'legacy_pytorch_model.bin'));
    expect(legacy.format).toBe('pytorch');
    const withoutEmbeddings: TensorMap = new Map([...teacher().bin].filter(([k]) => k !== WORD_EMBEDDINGS));
    expectSameTensors(legacy.tensors, withoutEmbeddings);
  });

  it('readWeights recognises each golden file', () => {
    expect(readWeights(join(GOLDEN, 'tinybert_student', 'pytorch_model.bin')).format).toBe('pytorch');
    expect(readWeights(join(GOLDEN, 'tinybert_student', 'model.safetensors')).format).toBe('safetensors');
  });

  it('rewritten teacher: safetensors byte-identical to the golden file, .bin read back bit-exact', () => {
    writeSafetensors(join(out, 'model.safetensors'), teacher().bin);
    expect(Buffer.compare(readFileSync(join(out, 'model.safetensors')), readFileSync(join(GOLDEN, 'nezha_teacher', 'model.safetensors')))).toBe(0);
    writePytorchBin(join(out, 'pytorch_model.bin'), teacher().bin);
    expectSameTensors(readPytorchBin(join(out, 'pytorch_model.bin')), teacher().bin);
  });

  it.skipIf(!TORCH_PYTHON)('rewritten student .bin: torch.load gives tensors equal to the golden ones', () => {
    const student = readPytorchBin(join(GOLDEN, 'tinybert_student', 'pytorch_model.bin'));
    writePytorchBin(join(out, 'student.bin'), student);
    const script = `import sys, torch
a = torch.load(sys.argv[1], weights_only=True); b = torch.load(sys.argv[2])
print(list(a) == list(b) and all(torch.equal(a[k], b[k]) for k in a))`;
    expect(runPython(script, [join(out, 'student.bin'), join(GOLDEN, 'tinybert_student', 'pytorch_model.bin')]).trim()).toBe('True');
  });
});
