import type { CommandModule } from 'yargs';
import { initBackend } from '../../backend/select.js';
import { forwardFile } from '../../pipeline/forward.js';

interface Args {
  dir: string;
  inputs: string;
  out: string;
  backend?: string;
}

const command: CommandModule<object, Args> = {
  command: 'forward <dir>',
  describe: 'Eval-mode forward pass on a JSON batch; writes every hidden state, attention score, pooled output and logits',
  builder: (y) =>
    y
      .positional('dir', { type: 'string', demandOption: true, describe: 'Model directory' })
      .option('inputs', { type: 'string', demandOption: true, describe: 'JSON batch {input_ids, token_type_ids, attention_mask} ([B][T] each)' })
      .option('out', { type: 'string', demandOption: true, describe: 'Output JSON (same key names and layout as the reference PyTorch dumps)' }),
  handler: async (a) => {
    await initBackend(a.backend);
    const rec = await forwardFile(a.dir, a.inputs, a.out);
    process.stdout.write(`wrote ${a.out} (${Object.keys(rec).join(', ')})\n`);
  },
};
export default command;
