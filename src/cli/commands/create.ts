import type { CommandModule } from 'yargs';
import { initBackend } from '../../backend/select.js';
import { createModelDir } from '../../checkpoint/create.js';
import { numberOption } from '../options.js';

interface Args {
  config: string;
  out: string;
  seed: number;
  vocab?: string;
  format: 'safetensors' | 'pytorch' | 'tfjs';
  backend?: string;
}

const command: CommandModule<object, Args> = {
  command: 'create',
  describe: 'Create a freshly initialised model directory from a config file',
  builder: (y) =>
    y
      .option('config', { type: 'string', demandOption: true, describe: 'Model config (bert_config.json / HF config.json style), e.g. teachers/demo-nezha.json' })
      .option('out', { type: 'string', demandOption: true, describe: 'Folder to write: new, empty, or a model folder tinybert wrote (replaced atomically); anything else is refused' })
      .option('seed', numberOption('Initialisation seed (same seed → same weights)', { integer: true, min: 0, default: 0 }))
      .option('vocab', { type: 'string', describe: 'vocab.txt to copy into the directory' })
      .option('format', { choices: ['safetensors', 'pytorch', 'tfjs'] as const, default: 'safetensors' as const, describe: 'Weight file format' }),
  handler: async (a) => {
    await initBackend(a.backend);
    const { params } = await createModelDir({ config: a.config, out: a.out, seed: a.seed, vocab: a.vocab, format: a.format });
    process.stdout.write(`created ${a.out} (${params.toLocaleString('en-US')} parameters, seed ${a.seed})\n`);
  },
};
export default command;
