// Import graphs of TypeScript/JavaScript trees, read with TypeScript's own pre-processor, and their cycles (Tarjan).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

function files(dir: string, ext: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p, ext) : p.endsWith(ext) && !p.endsWith(".d.ts") ? [p] : [];
  });
}

/**
 * file (relative to `root`) → the files of `root` it imports, type-only imports included for .ts sources.
 * `.js` specifiers of TypeScript sources name the `.ts` file (NodeNext resolution).
 */
export function importGraph(root: string, ext: ".ts" | ".js"): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const abs of files(root, ext)) {
    const info = ts.preProcessFile(readFileSync(abs, "utf8"), true, true);
    const deps = info.importedFiles
      .map((f) => f.fileName)
      .filter((s) => s.startsWith("."))
      .map((s) => relative(root, resolve(dirname(abs), ext === ".ts" ? s.replace(/\.js$/, ".ts") : s)));
    graph.set(relative(root, abs), [...new Set(deps)]);
  }
  return graph;
}

/** Strongly connected components with more than one node (or a self-loop): Tarjan's algorithm. */
export function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>(),
    low = new Map<string, number>(),
    onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(comp.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}
