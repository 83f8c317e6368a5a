import type { CommandModule } from 'yargs';
import { initBackend } from '../../backend/select.js';
import { exportModel, type ExportDtype, type ExportFormat } from '../../checkpoint/export.js';

interface Args {
  source: string;
  out: string;
  format: ExportFormat;
  dtype: ExportDtype;
  vocab?: string;
  backend?: string;
}

const command: CommandModule<object, Args> = {
  command: 'export <source>',
  describe: 'Export the student of a run or a training checkpoint: config, weights, vocab (no projections, no optimizer state)',
  builder: (y) =>
    y
      .positional('source', { type: 'string', demandOption: true, describe: 'Run directory (run.json) or model / checkpoint directory' })
      .option('out', { type: 'string', demandOption: true, describe: 'Folder to write: new, empty, or a model folder tinybert wrote (replaced atomically); anything else is refused' })
      .option('format', {
        choices: ['safetensors', 'tfjs', 'pytorch', 'onnx'] as const,
        default: 'safetensors' as const,
        describe: 'safetensors (Hugging Face), tfjs (model.json + shards, for the browser), pytorch (pytorch_model.bin) or ' +
          'onnx (onnx/model.onnx float32 + onnx/model_quantized.onnx int8, the folder transformers.js and onnxruntime load; task heads only)',
      })
      .option('dtype', { choices: ['float32', 'float16'] as const, default: 'float32' as const, describe: 'Storage dtype of the weights' })
      .option('vocab', { type: 'string', describe: 'vocab.txt to ship when the source has none' }),
  handler: async (a) => {
    await initBackend(a.backend, { quiet: true });
    const r = await exportModel(a.source, { out: a.out, format: a.format, dtype: a.dtype, vocab: a.vocab });
    const from = r.kind === 'run' ? `${r.modelDir} (slot ${r.slot})` : r.modelDir;
    const dropped = r.droppedTensors.length ? `; left out ${r.droppedTensors.length} training-only tensors` : '';
    process.stdout.write(
      `exported ${from} -> ${r.out} (${r.format}, ${r.dtype}, ${r.params.toLocaleString('en-US')} parameters${dropped})\n` +
        `files: ${r.files.join(', ')}\n`,
    );
    for (const w of r.warnings) process.stderr.write(`tinybert: warning: ${w}\n`);
  },
};
export default command;
