/** The import graph of src/ (static `import`/`export … from` and dynamic `import()`), read from the sources. */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const SRC = resolve(import.meta.dirname, '../../src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** file (relative to src, e.g. `backend/select.ts`) → the src files it imports, type-only imports included. */
export function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sources(SRC)) {
    const text = readFileSync(file, 'utf8');
    const specs = [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)'(\.[^']+)'/g)].map((m) => m[1]!);
    const targets = specs.map((s) => relative(SRC, resolve(dirname(file), s)).replace(/\.js$/, '.ts'));
    graph.set(relative(SRC, file), [...new Set(targets)]);
  }
  return graph;
}

/** Import edges `from → to` where `from` is under folder `a` and `to` is under folder `b`. */
export function edgesBetween(graph: Map<string, string[]>, a: string, b: string): string[] {
  const under = (f: string, d: string) => f === d || f.startsWith(`${d}/`);
  return [...graph].flatMap(([from, tos]) => (under(from, a) ? tos.filter((t) => under(t, b)).map((t) => `${from} → ${t}`) : []));
}
