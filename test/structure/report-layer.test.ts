import { describe, expect, it } from 'vitest';
import { edgesBetween, importGraph } from './imports.js';

// distill writes the run report, so report/ sits below pipeline/; serve/ is a leaf the CLI uses.
describe('report and serve layering', () => {
  const graph = importGraph();

  it('report imports nothing from pipeline, cli or serve (pipeline/run.ts imports it)', () => {
    expect(graph.get('pipeline/run.ts')).toContain('report/report.ts');
    expect(['pipeline', 'cli', 'serve'].flatMap((dir) => edgesBetween(graph, 'report', dir))).toEqual([]);
  });

  it('serve imports nothing from pipeline or cli, and reaches the browser loader only by bundling it', () => {
    expect(['pipeline', 'cli', 'browser', 'report'].flatMap((dir) => edgesBetween(graph, 'serve', dir))).toEqual([]);
  });
});
