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
export function importGraph(root = SRC): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sources(root)) {
    const text = readFileSync(file, 'utf8');
    const specs = [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)'(\.[^']+)'/g)].map((m) => m[1]!);
    const targets = specs.map((s) => relative(root, resolve(dirname(file), s)).replace(/\.js$/, '.ts'));
    graph.set(relative(root, file), [...new Set(targets)]);
  }
  return graph;
}

/** Import edges `from → to` where `from` is under folder `a` and `to` is under folder `b`. */
export function edgesBetween(graph: Map<string, string[]>, a: string, b: string): string[] {
  const under = (f: string, d: string) => f === d || f.startsWith(`${d}/`);
  return [...graph].flatMap(([from, tos]) => (under(from, a) ? tos.filter((t) => under(t, b)).map((t) => `${from} → ${t}`) : []));
}

/** Groups of two or more files that import each other, directly or through others (Tarjan's SCC). */
export function importCycles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const out: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) visit(w), low.set(v, Math.min(low.get(v)!, low.get(w)!));
      else if (stack.includes(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      let w: string;
      do group.push((w = stack.pop()!));
      while (w !== v);
      if (group.length > 1) out.push(group.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}

/** The graph between top-level folders of src (a file at the top, like errors.ts, is its own node). */
export function folderGraph(graph: Map<string, string[]>): Map<string, string[]> {
  const top = (f: string) => f.split('/')[0]!;
  const out = new Map<string, Set<string>>();
  for (const [from, tos] of graph) {
    const set = out.get(top(from)) ?? new Set();
    for (const to of tos) if (top(to) !== top(from)) set.add(top(to));
    out.set(top(from), set);
  }
  return new Map([...out].map(([k, v]) => [k, [...v]]));
}
