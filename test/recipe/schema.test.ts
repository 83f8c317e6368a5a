import { describe, expect, it } from 'vitest';
import { baseFailure as failure, parseBase as parse, type Raw } from './fixtures.js';

describe('recipe schema: accepts', () => {
  it('the base recipe, filling every default', () => {
    const r = parse();
    expect(r.seed).toBe(7);
    expect(r.backend).toBe('auto');
    expect(r.output_dir).toBe('/base/runs/demo');
    expect(r.tasks.sentiment).toMatchObject({ format: 'tsv', header: true, labels: ['0', '1'], max_seq_length: 128, skip_labels: [], label_aliases: {} });
    expect(r.tasks.sentiment.columns).toEqual({ text_a: 'text_a', label: 'label' });
    expect(r.corpus.wiki).toEqual({ path: '/base/data/wiki.txt', format: 'sentences', max_seq_length: 128 });
    const [ft, gen, ti, tp] = r.stages;
    expect(ft).toMatchObject({ losses: { hard: 1 }, head: 'classification', num_labels: 2, epochs: 2, eval: { every: 0, metric: 'accuracy' } });
    expect(gen).toMatchObject({ losses: { embedding: 1, hidden: 1, attention: 1 }, head: 'none', num_labels: 0, steps: 100 });
    expect(gen.eval).toBeUndefined();
    expect(gen.epochs).toBeUndefined();
    expect(ti).toMatchObject({ losses: { embedding: 1, hidden: 1, attention: 1 }, epochs: 3, semantics: 'reference', dynamic_padding: true });
    expect(ti.mapping).toEqual({ attention: 'uniform', hidden: 'uniform' });
    expect(tp.losses).toEqual({ prediction: 1 });
    expect(tp.optimizer).toEqual({
      name: 'bertadam', lr: 3e-5, b1: 0.9, b2: 0.999, eps: 1e-6, max_grad_norm: 1, weight_decay: 0.01,
      no_decay: ['bias', 'LayerNorm.bias', 'LayerNorm.weight'],
    });
    expect(tp.schedule).toEqual({ name: 'warmup-linear', warmup: 0.1 });
  });

  it('optimizer defaults of the chosen optimizer (adamw eps 1e-8), explicit values kept', () => {
    const r = parse((x) => (x.stages[3].optimizer = { name: 'adamw', b2: 0.98 }));
    expect(r.stages[3].optimizer).toMatchObject({ name: 'adamw', lr: 5e-5, eps: 1e-8, b2: 0.98 });
  });

  it('explicit mappings as [student, teacher] pairs or {student, teacher} objects', () => {
    const r = parse((x) => (x.stages[2].mapping = { attention: [[0, 1], [1, 3]], hidden: [{ student: 0, teacher: 0 }, [1, 2]] }));
    expect(r.stages[2].mapping).toEqual({
      attention: [{ student: 0, teacher: 1 }, { student: 1, teacher: 3 }],
      hidden: [{ student: 0, teacher: 0 }, { student: 1, teacher: 2 }],
    });
    const half = parse((x) => (x.stages[2].mapping = { hidden: [[1, 2]] }));
    expect(half.stages[2].mapping.attention).toBe('uniform');
  });

  it('losses as a list (weight 1 each) or as weights', () => {
    const r = parse((x) => {
      x.stages[2].losses = ['attention', 'hidden'];
      x.stages[3].losses = { prediction: 1, hard: 0.5 };
    });
    expect(r.stages[2].losses).toEqual({ attention: 1, hidden: 1 });
    expect(r.stages[3].losses).toEqual({ prediction: 1, hard: 0.5 });
  });

  it('stage max_seq_length inherits the task or corpus, and overrides it', () => {
    const r = parse((x) => {
      x.tasks.sentiment.max_seq_length = 64;
      x.corpus.wiki.max_seq_length = 256;
      x.stages[3].max_seq_length = 32;
    });
    expect(r.stages.map((s) => s.max_seq_length)).toEqual([64, 256, 64, 32]);
  });

  it('a headerless pair task gets index columns; a jsonl task gets names; numeric labels become strings', () => {
    const r = parse((x) => {
      x.tasks.lcqmc = { type: 'pair', train: 'lcqmc/train.txt', labels: [0, 1] };
      x.tasks.ocnli = { type: 'pair', train: 'ocnli/train.json', labels: ['entailment', 'neutral', 'contradiction'], skip_labels: ['-'], columns: { text_a: 'sentence1', text_b: 'sentence2' } };
    });
    expect(r.tasks.lcqmc).toMatchObject({ format: 'tsv', labels: ['0', '1'], columns: { text_a: 0, text_b: 1, label: 2 } });
    expect(r.tasks.ocnli).toMatchObject({ format: 'jsonl', columns: { text_a: 'sentence1', text_b: 'sentence2', label: 'label' } });
  });

  it('a regression task: no labels, one output, pearson by default', () => {
    const r = parse((x) => {
      x.tasks.sts = { type: 'regression', train: 'sts.csv', header: true, columns: { text_b: 'text_b' } };
      x.stages[0].task = 'sts';
    });
    expect(r.tasks.sts.columns).toEqual({ text_a: 'text_a', text_b: 'text_b', label: 'label' });
    expect(r.stages[0]).toMatchObject({ num_labels: 1, eval: { metric: 'pearson' } });
  });

  it('a model loaded from a directory supplies the vocabulary', () => {
    const r = parse((x) => {
      delete x.vocab;
      x.models.teacher = { dir: '/models/nezha' };
    });
    expect(r.vocab).toBeUndefined();
    expect(r.models.teacher).toEqual({ dir: '/models/nezha' });
  });

  it('masked semantics with t_squared', () => {
    const r = parse((x) => Object.assign(x.stages[3], { semantics: 'masked', t_squared: true, temperature: 2 }));
    expect(r.stages[3]).toMatchObject({ semantics: 'masked', t_squared: true, temperature: 2 });
  });
});

describe('recipe schema: rejects, naming the field', () => {
  const cases: [string, (r: Raw) => void, RegExp][] = [
    ['an unknown top-level key, suggesting the nearest', (r) => (r.nmae = 'x'), /^r\.yaml: nmae: unknown key \(did you mean "name"\?\); expected one of: name, seed/],
    ['an unknown stage key', (r) => (r.stages[1].stpes = 3), /stages\[1\]\.stpes: unknown key \(did you mean "steps"\?\)/],
    ['an unknown loss name', (r) => (r.stages[2].losses = { attn: 1 }), /stages\[2\]\.losses\.attn: unknown key; expected one of: embedding, hidden, attention, prediction, hard/],
    ['an unknown loss name in a list', (r) => (r.stages[2].losses = ['attention', 'hiden']), /stages\[2\]\.losses\[1\]: expected "embedding" \| "hidden" .* saw string "hiden"/],
    ['a negative loss weight', (r) => (r.stages[2].losses = { attention: -1 }), /stages\[2\]\.losses\.attention: expected >= 0, saw number -1/],
    ['a wrong type', (r) => (r.seed = 'x'), /^r\.yaml: seed: expected number, saw string "x"$/],
    ['a missing required field', (r) => delete r.name, /^r\.yaml: name: is required \(expected string\)$/],
    ['a bad stage kind', (r) => (r.stages[0].kind = 'fine-tune'), /stages\[0\]\.kind: expected "pretrain" \| "finetune" \| "general" \| "augment" \| "task-intermediate" \| "task-prediction", saw string "fine-tune"/],
    ['a bad optimizer name', (r) => (r.stages[3].optimizer.name = 'sgd'), /stages\[3\]\.optimizer\.name: expected "bertadam" \| "adamw" \| "lamb", saw string "sgd"/],
    ['a non-positive learning rate', (r) => (r.stages[3].optimizer.lr = 0), /stages\[3\]\.optimizer\.lr: expected > 0, saw number 0/],
    ['a warm-up fraction of 1', (r) => (r.stages[3].schedule = { warmup: 1 }), /stages\[3\]\.schedule\.warmup: expected < 1/],
    ['finetune without task', (r) => delete r.stages[0].task, /stages\[0\]\.task: a finetune stage needs task/],
    ['finetune without train', (r) => delete r.stages[0].train, /stages\[0\]\.train: a finetune stage needs train/],
    ['finetune with a teacher', (r) => (r.stages[0].teacher = 'teacher'), /stages\[0\]\.teacher: a finetune stage takes no teacher/],
    ['finetune with a distillation loss', (r) => (r.stages[0].losses = ['hard', 'prediction']), /stages\[0\]\.losses: a finetune stage has no teacher.*remove prediction/],
    ['general without corpus', (r) => delete r.stages[1].corpus, /stages\[1\]\.corpus: a general stage needs corpus/],
    ['general with a task', (r) => (r.stages[1].task = 'sentiment'), /stages\[1\]\.task: a general stage takes no task/],
    ['general with the prediction loss', (r) => (r.stages[1].losses = ['attention', 'prediction']), /stages\[1\]\.losses: general distillation has no labels.*not prediction/],
    ['general with eval', (r) => (r.stages[1].eval = { every: 10 }), /stages\[1\]\.eval: a general stage takes no eval/],
    ['a distillation stage without student', (r) => delete r.stages[1].student, /stages\[1\]\.student: a general stage needs student/],
    ['task-intermediate without task', (r) => delete r.stages[2].task, /stages\[2\]\.task: a task-intermediate stage needs task/],
    ['task-intermediate with only the prediction loss', (r) => (r.stages[2].losses = ['prediction']), /stages\[2\]\.losses: a task-intermediate stage needs one of embedding, hidden, attention/],
    ['task-prediction without the prediction loss', (r) => (r.stages[3].losses = { attention: 1 }), /stages\[3\]\.losses: a task-prediction stage needs the prediction loss/],
    ['a negative mapping layer', (r) => (r.stages[2].mapping = { attention: [[0, -1]] }), /stages\[2\]\.mapping\.attention\[0\]\[1\]: expected >= 0, saw number -1/],
    ['a fractional mapping layer', (r) => (r.stages[2].mapping = { hidden: [{ student: 0.5, teacher: 1 }] }), /stages\[2\]\.mapping\.hidden\[0\]\.student: expected int/],
    ['a misspelled mapping', (r) => (r.stages[2].mapping = 'uniformm'), /stages\[2\]\.mapping: expected "uniform" or object, saw string "uniformm"/],
    ['an unknown model slot', (r) => (r.stages[1].teacher = 'big'), /stages\[1\]\.teacher: unknown model slot "big"; models defines: teacher, student/],
    ['an unknown task', (r) => (r.stages[3].task = 'lcqmc'), /stages\[3\]\.task: unknown task "lcqmc"; tasks defines: sentiment/],
    ['an unknown corpus', (r) => (r.stages[1].corpus = 'zhwiki'), /stages\[1\]\.corpus: unknown corpus "zhwiki"; corpus defines: wiki/],
    ['duplicate stage names', (r) => (r.stages[3].name = 'general'), /stages\[3\]\.name: stage name "general" is already used by stages\[1\]/],
    ['a stage name that is not a folder name', (r) => (r.stages[0].name = 'a/b'), /stages\[0\]\.name: a stage name is letters, digits/],
    ['teacher and student in one slot', (r) => (r.stages[2].student = 'teacher'), /stages\[2\]\.student: teacher and student are both slot "teacher"/],
    ['both epochs and steps', (r) => (r.stages[1].epochs = 1), /stages\[1\]\.steps: give either epochs or steps, not both/],
    ['t_squared with the reference semantics', (r) => (r.stages[3].t_squared = true), /stages\[3\]\.t_squared: the reference semantics has no T\^2 factor/],
    ['a regression metric on a classification task', (r) => (r.stages[3].eval = { metric: 'pearson' }), /stages\[3\]\.eval\.metric: pearson does not apply to a single task/],
    ['binary f1 on three labels', (r) => {
      r.tasks.sentiment.labels = ['a', 'b', 'c'];
      r.stages[3].eval = { metric: 'f1' };
    }, /stages\[3\]\.eval\.metric: f1 is binary but task "sentiment" has 3 labels; use f1_macro/],
    ['num_labels disagreeing with the task', (r) => (r.stages[0].num_labels = 3), /stages\[0\]\.num_labels: task "sentiment" has 2 labels, not 3/],
    ['num_labels on a general stage', (r) => (r.stages[1].num_labels = 2), /stages\[1\]\.num_labels: a general stage trains no task head/],
    ['head none on a task stage', (r) => (r.stages[3].head = 'none'), /stages\[3\]\.head: a task-prediction stage trains a task head/],
    ['no vocabulary anywhere', (r) => delete r.vocab, /^r\.yaml: vocab: every model is created from a config/],
    ['a model with both config and dir', (r) => (r.models.teacher.dir = 'x'), /models\.teacher: give exactly one of config .* or dir/],
    ['a model with neither config nor dir', (r) => (r.models.teacher = {}), /models\.teacher: give exactly one of config/],
    ['no models', (r) => (r.models = {}), /models: define at least one model slot/],
    ['no stages', (r) => (r.stages = []), /stages: expected length >= 1 items/],
    ['a classification task without labels', (r) => delete r.tasks.sentiment.labels, /tasks\.sentiment\.labels: a single task needs a label list/],
    ['duplicate labels', (r) => (r.tasks.sentiment.labels = ['0', '0']), /tasks\.sentiment\.labels: labels must be unique/],
    ['a regression task with labels', (r) => (r.tasks.sentiment.type = 'regression'), /tasks\.sentiment\.labels: a regression task has no label list/],
    ['an unknown extension without format', (r) => (r.tasks.sentiment.train = 'train.dat'), /tasks\.sentiment\.format: cannot infer the format from the extension of train "train\.dat"/],
    ['a column name without a header', (r) => {
      r.tasks.sentiment.header = false;
      r.tasks.sentiment.columns = { text_a: 'review' };
    }, /tasks\.sentiment\.columns\.text_a: column "review" is a name but header is false/],
    ['a column index in jsonl', (r) => {
      r.tasks.sentiment.format = 'jsonl';
      r.tasks.sentiment.columns = { label: 2 };
    }, /tasks\.sentiment\.columns\.label: jsonl rows are objects: name the key instead of index 2/],
    ['a label alias to an unknown label', (r) => (r.tasks.sentiment.label_aliases = { pos: 'positive' }), /tasks\.sentiment\.label_aliases\.pos: "positive" is not one of labels \["0","1"\]/],
    ['text_b on a single-sentence task', (r) => (r.tasks.sentiment.columns = { text_b: 'b' }), /tasks\.sentiment\.columns\.text_b: a single-sentence task has no text_b; use type: pair/],
    ['an unknown task key', (r) => (r.tasks.sentiment.lables = ['0', '1']), /tasks\.sentiment\.lables: unknown key \(did you mean "labels"\?\)/],
    ['a bad backend', (r) => (r.backend = 'gpu'), /backend: expected "auto" \| "tensorflow" \| "native" \| "cpu", saw string "gpu"/],
  ];
  it.each(cases)('%s', (_, mutate, message) => {
    expect(failure(mutate)).toMatch(message);
  });

  it('lists every problem, numbered, on one line', () => {
    const message = failure((r) => {
      r.seed = 'x';
      r.stages[3].optimizer.lr = 'fast';
    });
    expect(message).toBe(
      'r.yaml: 2 problems: (1) r.yaml: seed: expected number, saw string "x"; (2) r.yaml: stages[3].optimizer.lr: expected number, saw string "fast"',
    );
  });
});
