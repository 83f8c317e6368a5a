import type { CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';
import { SAFE_CHANGES } from '../../pipeline/run-dir.js';
import { distill, formatRunTable } from '../../pipeline/run.js';
import { loadRecipe } from '../../recipe/load.js';

interface Args {
  recipe: string;
  set?: string[];
  resume: boolean;
  overwrite: boolean;
  'allow-changes': boolean;
  progress?: boolean;
  quiet: boolean;
  backend?: string;
}

const command: CommandModule<object, Args> = {
  command: 'distill <recipe>',
  describe: 'Run a recipe: fine-tuning and TinyBERT distillation stages, then export and compare',
  builder: (y) =>
    y
      .positional('recipe', { type: 'string', demandOption: true, describe: 'Recipe file (YAML or JSON), e.g. recipes/demo.yaml' })
      .option('set', { type: 'string', array: true, describe: 'Override a recipe field: --set stages.0.steps=100 (repeatable; value parsed as YAML)' })
      .option('resume', {
        type: 'boolean',
        default: false,
        describe: 'Continue an interrupted run: skip finished stages, resume the last checkpoint. Refused when the recipe changed since the run started',
      })
      .option('allow-changes', {
        type: 'boolean',
        default: false,
        describe: `With --resume: accept only these recipe changes: ${SAFE_CHANGES}`,
      })
      .option('overwrite', {
        type: 'boolean',
        default: false,
        describe: 'Start over: remove the earlier run\'s files and stage folders (only in a run folder tinybert created, marked .tinybert-run)',
      })
      .option('progress', { type: 'boolean', describe: 'Progress bar on/off (default: on when stderr is a terminal)' })
      .option('quiet', { type: 'boolean', default: false, describe: 'Print only the final table' }),
  handler: async (a) => {
    if (a['allow-changes'] && !a.resume) throw new UsageError('--allow-changes only applies with --resume');
    const overrides = [...(a.set ?? [])];
    if (a.backend) overrides.push(`backend=${a.backend}`);
    const recipe = loadRecipe(a.recipe, overrides);
    const r = await distill(recipe, { resume: a.resume, overwrite: a.overwrite, allowChanges: a['allow-changes'], bar: a.progress, quiet: a.quiet });
    process.stdout.write(`\n${formatRunTable(r)}\n\nrun: ${r.outputDir} (${r.seconds.toFixed(0)} s)${r.exported ? `\nexported student: ${r.exported}` : ''}\n`);
  },
};
export default command;
