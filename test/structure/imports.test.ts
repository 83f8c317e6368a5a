import { describe, expect, it } from 'vitest';
import { edgesBetween, importGraph } from './imports.js';

// Imports flow cli → pipeline → tasks/distill/train → model/checkpoint/tokenizer → data → backend.
describe('import layering', () => {
  const graph = importGraph();

  it('reads the import graph (the check below would pass vacuously otherwise)', () => {
    expect(graph.get('backend/select.ts')).toContain('backend/tf.ts');
    expect(graph.get('backend/native/register.ts')).toContain('backend/native/kernels/AdamUpdate.ts');
  });

  it('backend imports nothing above it (custom kernel names live in backend/kernel-names.ts)', () => {
    const up = ['train', 'model', 'checkpoint', 'tokenizer', 'data', 'distill', 'recipe', 'pipeline', 'cli'];
    expect(up.flatMap((dir) => edgesBetween(graph, 'backend', dir))).toEqual([]);
  });
});
