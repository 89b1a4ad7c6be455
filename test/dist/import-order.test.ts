// The built package (dist/): no import cycle between its modules, NDArray's module loads no op, and every module can be
// the first one a program imports (no module depends on another having been loaded before it).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { promisify } from "node:util";
import { cycles, importGraph } from "../helpers/import-graph.js";

const DIST = resolve(import.meta.dirname, "../../dist");

function jsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? jsFiles(p) : p.endsWith(".js") ? [p] : [];
  });
}

const runtimeGraph = () => importGraph(DIST, ".js");

/** Every file `start` loads, directly or not. */
function closure(graph: Map<string, string[]>, start: string): Set<string> {
  const seen = new Set<string>([start]);
  const stack = [start];
  while (stack.length > 0) for (const d of graph.get(stack.pop()!) ?? []) if (!seen.has(d)) seen.add(d), stack.push(d);
  return seen;
}

test("dist/ has no import cycle between its modules", () => {
  assert.ok(statSync(DIST).isDirectory(), "npm test builds dist/ first");
  assert.deepEqual(cycles(runtimeGraph()), []);
});

test("NDArray's module loads no op, no autograd and no backend", () => {
  const loaded = [...closure(runtimeGraph(), "ndarray/ndarray.js")];
  assert.deepEqual(
    loaded.filter((f) => /^(ops|autograd|backends|gluon|tape)\//.test(f)),
    [],
  );
});

test("every dist module can be the first module a program imports", async () => {
  const run = promisify(execFile);
  // dist/worker.js is the browser pool worker as a classic script (setWorkerUrl), not a module a program imports
  const files = jsFiles(DIST).filter((f) => relative(DIST, f) !== "worker.js");
  const failures: string[] = [];
  // a few children at a time: each starts a fresh Node and imports one module first
  for (let i = 0; i < files.length; i += 6) {
    await Promise.all(
      files.slice(i, i + 6).map(async (f) => {
        try {
          await run(process.execPath, ["--input-type=module", "-e", `await import(${JSON.stringify(`file://${f}`)});`], { timeout: 60_000 });
        } catch (e) {
          failures.push(
            `${relative(DIST, f)}: ${
              String((e as { stderr?: string }).stderr ?? e)
                .split("\n")
                .find((l) => /Error/.test(l)) ?? e
            }`,
          );
        }
      }),
    );
  }
  assert.deepEqual(failures, []);
});
