/** The `augment` stage in the recipe schema: its fields, and later stages naming the task it writes. */
import { describe, expect, it } from 'vitest';
import { baseFailure, parseBase, type Raw } from '../recipe/fixtures.js';

/** The base recipe with an mlm slot and an augment stage after the teacher's fine-tuning; later task stages on its output. */
function withAugment(r: Raw, stage: Raw = {}): void {
  r.models.mlm = { dir: 'teachers/nezha' };
  r.stages.splice(1, 0, { name: 'aug', kind: 'augment', model: 'mlm', task: 'sentiment', output: 'sentiment-aug', ...stage });
  for (const s of r.stages) if (s.kind === 'task-intermediate' || s.kind === 'task-prediction') s.task = 'sentiment-aug';
}

describe('augment stage in the recipe', () => {
  it('loads back its own resolved augment stage (losses {}, head none)', () => {
    const r = parseBase((x) => withAugment(x));
    const again = parseBase((x) => {
      withAugment(x);
      Object.assign(x.stages[1], { losses: {}, head: 'none' });
    });
    expect(again.stages[1]).toEqual(r.stages[1]);
  });

  it('accepts later task stages on the augmented task and fills their head and metric from the source task', () => {
    const r = parseBase((x) => withAugment(x, { copies: 4, guard: { model: 'teacher', rule: { confidence: 0.8 } } }));
    const aug = r.stages.find((s) => s.kind === 'augment')!;
    expect(aug).toMatchObject({ copies: 4, head: 'none', num_labels: 0, guard: { model: 'teacher', rule: { confidence: 0.8 } } });
    expect(aug.epochs).toBeUndefined();
    expect(aug.eval).toBeUndefined();
    const tp = r.stages.find((s) => s.kind === 'task-prediction')!;
    expect(tp).toMatchObject({ task: 'sentiment-aug', head: 'classification', num_labels: 2, eval: { metric: 'accuracy' } });
    expect(Object.keys(r.tasks)).toEqual(['sentiment']);
  });

  it('refuses a stage naming the augmented task before the augment stage runs', () => {
    const msg = baseFailure((x) => {
      withAugment(x);
      x.stages[0].task = 'sentiment-aug';
    });
    expect(msg).toMatch(/stages\[0\]\.task: task "sentiment-aug" is written by stage aug, which runs later; move this stage after it/);
  });

  it('refuses an augment stage without model or output', () => {
    expect(baseFailure((x) => withAugment(x, { model: undefined }))).toMatch(/stages\[1\]\.model: an augment stage needs model: the model slot whose masked-LM head/);
    expect(baseFailure((x) => withAugment(x, { output: undefined }))).toMatch(/stages\[1\]\.output: an augment stage needs output:/);
  });

  it('refuses an augment output that names a task under tasks', () => {
    expect(baseFailure((x) => withAugment(x, { output: 'sentiment' }))).toMatch(/stages\[1\]\.output: task "sentiment" is already defined under tasks/);
  });

  it('refuses unknown model slots in model and guard.model', () => {
    expect(baseFailure((x) => withAugment(x, { model: 'bert' }))).toMatch(/stages\[1\]\.model: unknown model slot "bert"/);
    expect(baseFailure((x) => withAugment(x, { guard: { model: 'ft' } }))).toMatch(/stages\[1\]\.guard\.model: unknown model slot "ft"/);
  });

  it('refuses augment options on a stage of another kind', () => {
    expect(baseFailure((x) => (x.stages[0].copies = 3))).toMatch(/stages\[0\]\.copies: copies is an augment option; a finetune stage takes none/);
    expect(baseFailure((x) => (x.stages[0].output = 'x'))).toMatch(/stages\[0\]\.output: a finetune stage takes no output: only an augment stage writes a new task/);
  });

  it('refuses teacher, losses and eval on an augment stage', () => {
    expect(baseFailure((x) => withAugment(x, { teacher: 'teacher' }))).toMatch(/stages\[1\]\.teacher: an augment stage takes no teacher/);
    expect(baseFailure((x) => withAugment(x, { losses: ['hard'] }))).toMatch(/stages\[1\]\.losses: an augment stage trains no model; remove losses/);
  });
});
