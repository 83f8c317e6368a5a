/**
 * Tensor names across ecosystems, in one explicit table. Inside tinybert every parameter has its
 * reference PyTorch name (NEZHA-PyTorch / TinyBERT: `bert.` prefix). On load, names are mapped onto
 * those; on save, the Hugging Face prefix of the model type is written (`nezha.` or `bert.`).
 *
 * | source                     | example                                         | becomes                     |
 * |----------------------------|-------------------------------------------------|-----------------------------|
 * | NEZHA-PyTorch, TinyBERT, HF BERT | `bert.encoder.layer.0.output.dense.weight` | unchanged                   |
 * | Hugging Face NEZHA         | `nezha.embeddings.LayerNorm.weight`             | `bert.embeddings...`        |
 * | HF base model (no head)    | `encoder.layer.0...`, `embeddings...`, `pooler...` | `bert.` + name           |
 * | old TF-converted names     | `...LayerNorm.gamma` / `.beta`                  | `.weight` / `.bias`         |
 * | HF NEZHA buffer            | `...relative_positions_encoding.positions_encoding` | ignored (functional)    |
 * | HF buffers                 | `bert.embeddings.position_ids`                  | ignored                     |
 * | tied MLM decoder           | `cls.predictions.decoder.weight` / `.bias`      | ignored (tied to embeddings / `cls.predictions.bias`) |
 * | TinyBERT projections       | `fit_dense.*`, `fit_denses.N.*`                 | training-only extras        |
 */

export type NameKind = 'param' | 'ignored' | 'extra';

export interface MappedName {
  kind: NameKind;
  name: string;
  /** Why an ignored tensor is ignored (shown by `inspect`). */
  reason?: string;
}

const IGNORED: [RegExp, string][] = [
  [/\.relative_positions_encoding\.positions_encoding$/, 'NEZHA relative positions are functional, recomputed'],
  [/(^|\.)embeddings\.position_ids$/, 'Hugging Face buffer'],
  [/^cls\.predictions\.decoder\.weight$/, 'tied to the word embeddings'],
  [/^cls\.predictions\.decoder\.bias$/, 'same tensor as cls.predictions.bias'],
  [/\.attention\.self\.distance_embedding\.weight$/, 'unused relative-key variant'],
];

const EXTRA = /^fit_dense(s\.\d+)?\.(weight|bias)$/;
const BARE_ENCODER = /^(embeddings|encoder|pooler)\./;

/** Maps a checkpoint tensor name to its tinybert name and kind. */
export function mapName(external: string): MappedName {
  let name = external.replace(/\.gamma$/, '.weight').replace(/\.beta$/, '.bias');
  if (name.startsWith('nezha.')) name = `bert.${name.slice('nezha.'.length)}`;
  else if (BARE_ENCODER.test(name)) name = `bert.${name}`;
  for (const [re, reason] of IGNORED) if (re.test(name)) return { kind: 'ignored', name, reason };
  if (EXTRA.test(name)) return { kind: 'extra', name };
  return { kind: 'param', name };
}

/** The name written on save for a Hugging Face directory of `modelType`. */
export function externalName(name: string, modelType: 'bert' | 'nezha'): string {
  return modelType === 'nezha' && name.startsWith('bert.') ? `nezha.${name.slice('bert.'.length)}` : name;
}
