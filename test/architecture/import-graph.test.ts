// The import graph of src/: no cycle between files (type-only imports included), none between top-level folders, and no
// import of a concrete backend from the ops, the autograd rules or the layers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { cycles, importGraph } from "../helpers/import-graph.js";

const SRC = resolve(import.meta.dirname, "../../src");
const graphOfSrc = () => importGraph(SRC, ".ts");

/** The folder of a file: its first path segment under src/ (backends/ counts as one folder). */
const folderOf = (f: string) => (f.includes("/") ? f.slice(0, f.indexOf("/")) : ".");

test("src/ has no import cycle between files, type-only imports included", () => {
  assert.deepEqual(cycles(graphOfSrc()), []);
});

test("src/ has no import cycle between top-level folders", () => {
  const folders = new Map<string, string[]>();
  for (const [f, deps] of graphOfSrc()) {
    const from = folderOf(f);
    if (from === ".") continue; // the entry files (index.ts, np.ts, npx.ts, methods.ts) sit on top
    const set = new Set(folders.get(from) ?? []);
    for (const d of deps) if (folderOf(d) !== from && folderOf(d) !== ".") set.add(folderOf(d));
    folders.set(from, [...set]);
  }
  assert.deepEqual(cycles(folders), []);
});

test("ops, autograd and gluon import only the backend interface and the dispatcher, never a concrete backend", () => {
  const allowed = new Set(["backends/backend.ts", "backends/dispatch.ts"]);
  const bad: string[] = [];
  for (const [f, deps] of graphOfSrc()) {
    if (!/^(ops|autograd|gluon|tape)\//.test(f)) continue;
    for (const d of deps) if (d.startsWith("backends/") && !allowed.has(d)) bad.push(`${f} -> ${d}`);
  }
  assert.deepEqual(bad, []);
});
