/**
 * The serve page: loads the export with the browser loader and offers the form that fits its head.
 * Sentence and sentence-pair classification show the label and every probability; token
 * classification highlights the entities in the text with their type; span highlights the answer in
 * the context with its score. NER and QA go through the loader's `predictRecords`, so they show the
 * records `tinybert predict` prints (character offsets into the typed text).
 *
 * Texts go into the page with textContent only (never innerHTML): a person's input is not markup.
 * Results carry full-precision data attributes for tests; the text shows 4 decimals.
 */

export interface PageOptions {
  title: string;
  /** Link /report.html. */
  report: boolean;
}

const CSS = `
body { font: 15px/1.5 system-ui, sans-serif; margin: 24px auto; max-width: 860px; padding: 0 16px; color: #222; }
h1 { font-size: 21px; margin-bottom: 4px; } #model-info { color: #555; font-size: 13px; }
form { display: none; margin: 16px 0; } form.active { display: block; }
label { display: block; font-weight: 600; margin-top: 10px; } textarea { width: 100%; font: inherit; padding: 6px; box-sizing: border-box; }
button { margin-top: 10px; font: inherit; padding: 6px 18px; cursor: pointer; }
#status { margin: 12px 0; } .error { color: #a61b1b; font-weight: 600; }
table { border-collapse: collapse; margin-top: 8px; } td, th { padding: 3px 10px; border-bottom: 1px solid #eee; text-align: left; }
tr.top td { font-weight: 700; } .bar { display: inline-block; height: 10px; background: #4c78a8; vertical-align: middle; }
#predicted-label { font-size: 20px; font-weight: 700; } #latency { color: #555; }
mark { background: #ffe08a; padding: 0 2px; margin: 0 1px; border-radius: 3px; } mark small { color: #7a5a00; margin-left: 2px; }
#highlighted { white-space: pre-wrap; border: 1px solid #eee; padding: 8px; margin-top: 8px; } #highlighted:empty { display: none; }
`;

/** Runs in the browser as a module; `tb` is the bundled loader. */
const SCRIPT = `
import * as tb from './tinybert.js';
const $ = (id) => document.getElementById(id);
const FORMS = { classification: 'form-classification', 'token-classification': 'form-ner', span: 'form-qa' };
const ms = (x) => x.toFixed(x < 10 ? 2 : 1) + ' ms';
const state = (s) => { document.body.dataset.state = s; };
const say = (text, cls = '') => { $('status').className = cls; $('status').textContent = text; };

let loaded;
try {
  const t0 = performance.now();
  loaded = await tb.loadTfjsModel('model/');
  const c = loaded.config;
  $('model-info').textContent = c.modelType + ', ' + c.numLayers + (c.numLayers === 1 ? ' layer' : ' layers') + ', hidden ' + c.hiddenSize + ', head: ' + c.head
    + (c.head === 'classification' ? ' (' + c.labels.join(', ') + ')' : '') + '; loaded in ' + ms(performance.now() - t0);
  if (!loaded.tokenizer) throw new Error('the export has no vocab.txt, so the page cannot tokenize text');
  const form = FORMS[c.head];
  if (!form) throw new Error('this export has a ' + c.head + ' head: there is nothing to predict from it (export a fine-tuned student)');
  $(form).classList.add('active');
  // One throw-away pass, so the latency shown for the first input is not tfjs's warm-up.
  tb.predictRecords(loaded, [c.head === 'span' ? ['warm', 'up'] : 'warm up']);
  say('Ready.');
  state('ready');
} catch (e) {
  say(String(e && e.message || e), 'error');
  state('error');
}

function showLatency(t) { $('latency').textContent = 'latency ' + ms(t) + ' (tokenize + forward, this browser)'; }

// Marks each span of text (character offsets) with a small caption: the entity type, the answer's score.
function highlight(text, spans) {
  const out = $('highlighted');
  out.replaceChildren();
  let at = 0;
  for (const s of [...spans].sort((a, b) => a.start - b.start)) {
    if (s.start < at) continue;
    out.append(text.slice(at, s.start));
    const m = document.createElement('mark');
    m.textContent = text.slice(s.start, s.end);
    Object.assign(m.dataset, { start: String(s.start), end: String(s.end), caption: s.caption });
    const l = document.createElement('small');
    l.textContent = s.caption;
    m.append(l);
    out.append(m);
    at = s.end;
  }
  out.append(text.slice(at));
}

// Runs one prediction for a form: a failure (say, an input the model refuses) shows on the page.
function submit(form, run) {
  $(form).addEventListener('submit', (ev) => {
    ev.preventDefault();
    try {
      const t0 = performance.now();
      const show = run();
      showLatency(performance.now() - t0);
      $('probabilities').replaceChildren();
      $('highlighted').replaceChildren();
      show();
      $('result').hidden = false;
      say('');
      state('done');
    } catch (e) {
      say(String(e && e.message || e), 'error');
      state('error');
    }
  });
}

submit('form-classification', () => {
  const a = $('text-a').value;
  const b = $('text-b').value;
  const r = tb.predictTexts(loaded, [b.trim() ? [a, b] : a]);
  return () => {
    const p = r.probabilities[0];
    $('predicted-label').textContent = r.labels[0];
    $('predicted-label').dataset.label = r.labels[0];
    const rows = loaded.config.labels.map((label, i) => {
      const tr = document.createElement('tr');
      tr.dataset.label = label;
      tr.dataset.p = String(p[i]);
      if (label === r.labels[0]) tr.className = 'top';
      const bar = document.createElement('span');
      bar.className = 'bar';
      bar.style.width = Math.round(200 * p[i]) + 'px';
      for (const cell of [label, p[i].toFixed(4), bar]) { const td = document.createElement('td'); td.append(cell); tr.append(td); }
      return tr;
    });
    $('probabilities').replaceChildren(...rows);
  };
});

// { text, entities: [{ type, start, end, text }] }, as tinybert predict prints it.
submit('form-ner', () => {
  const text = $('ner-text').value;
  const { entities } = tb.predictRecords(loaded, [text])[0];
  return () => {
    highlight(text, entities.map((e) => ({ start: e.start, end: e.end, caption: e.type })));
    $('predicted-label').textContent = entities.length + ' entit' + (entities.length === 1 ? 'y' : 'ies');
  };
});

// { question, answer, score, start, end }, as tinybert predict prints it; null offsets: no answer.
submit('form-qa', () => {
  const context = $('qa-context').value;
  const r = tb.predictRecords(loaded, [[$('qa-question').value, context]])[0];
  return () => {
    const answered = r.start !== null && r.end > r.start;
    highlight(context, answered ? [{ start: r.start, end: r.end, caption: r.score.toFixed(4) }] : []);
    $('predicted-label').textContent = answered ? 'answer: ' + r.answer + ' (score ' + r.score.toFixed(4) + ')' : 'no answer';
    $('predicted-label').dataset.score = String(r.score);
  };
});
`;
export function pageHtml(opts: PageOptions): string {
  const title = opts.title.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>tinybert: ${title}</title>
<style>${CSS}</style>
</head>
<body data-state="loading">
<h1>Try the student: ${title}</h1>
<div id="model-info">loading the model…</div>
${opts.report ? '<p><a id="report-link" href="report.html">The run\'s report</a> (loss curves, dev metrics, teacher vs student)</p>' : ''}
<div id="status">Loading…</div>

<form id="form-classification">
  <label for="text-a">Sentence</label>
  <textarea id="text-a" rows="3" placeholder="这部电影很好看"></textarea>
  <label for="text-b">Second sentence <small>(sentence-pair models, e.g. AFQMC / OCNLI; leave empty for a single sentence)</small></label>
  <textarea id="text-b" rows="2"></textarea>
  <button id="predict" type="submit">Predict</button>
</form>

<form id="form-ner">
  <label for="ner-text">Text <small>(entities are highlighted)</small></label>
  <textarea id="ner-text" rows="3"></textarea>
  <button type="submit">Find entities</button>
</form>

<form id="form-qa">
  <label for="qa-question">Question</label>
  <textarea id="qa-question" rows="2"></textarea>
  <label for="qa-context">Context <small>(the answer is highlighted)</small></label>
  <textarea id="qa-context" rows="5"></textarea>
  <button type="submit">Answer</button>
</form>

<section id="result" hidden>
  <div id="predicted-label"></div>
  <div id="latency"></div>
  <table><tbody id="probabilities"></tbody></table>
  <div id="highlighted"></div>
</section>
<script type="module">${SCRIPT}</script>
</body>
</html>
`;
}
