import { describe, expect, it } from 'vitest';
import { edgesBetween, folderGraph, importCycles, importGraph } from './imports.js';

// Imports flow cli → pipeline → distill/train → model/checkpoint/tokenizer → data → backend.
describe('import layering', () => {
  const graph = importGraph();

  it('reads the import graph (the checks below would pass vacuously otherwise)', () => {
    expect(graph.get('backend/select.ts')).toContain('backend/tf.ts');
    expect(graph.get('model/bert.ts')).toContain('model/heads.ts');
    expect(graph.get('recipe/task.ts')).toContain('data/format.ts');
    expect(importCycles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]))).toEqual([['a', 'b', 'c']]);
  });

  it('backend imports nothing above it (custom kernel names live in backend/kernel-names.ts)', () => {
    const up = ['train', 'model', 'checkpoint', 'tokenizer', 'data', 'distill', 'recipe', 'pipeline', 'cli'];
    expect(up.flatMap((dir) => edgesBetween(graph, 'backend', dir))).toEqual([]);
  });

  it('data imports nothing from recipe (formats and columns live in data/format.ts)', () => {
    expect(edgesBetween(graph, 'data', 'recipe')).toEqual([]);
  });

  it('no two source files import each other, directly or through others (model/heads.ts takes config and params, not BertModel)', () => {
    expect(importCycles(graph)).toEqual([]);
  });

  it('no two folders import each other (model reads no checkpoint: forward of a model directory lives in pipeline)', () => {
    expect(importCycles(folderGraph(graph))).toEqual([]);
  });

  it('distill imports nothing from pipeline (batch JSON lives in model/batch-json.ts)', () => {
    expect(edgesBetween(graph, 'distill', 'pipeline')).toEqual([]);
  });
});
