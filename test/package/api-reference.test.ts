// `npm run docs` (TypeDoc): the API reference lists every export of each package entry, as the compiler sees them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import ts from "typescript";

/** Export names of a built entry's declarations, from the TypeScript checker (values and types). */
function exportsOf(dts: string): string[] {
  const program = ts.createProgram([resolve(dts)], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    types: [],
  });
  const file = program.getSourceFile(resolve(dts));
  assert.ok(file, `${dts} is missing: build first`);
  return program
    .getTypeChecker()
    .getExportsOfModule(program.getTypeChecker().getSymbolAtLocation(file)!)
    .map((s) => s.getName())
    .sort();
}

interface Reflection {
  name: string;
  children?: Reflection[];
}

test("the TypeDoc reference documents every export of tconv, tconv/onnx and tconv/node", () => {
  const dir = mkdtempSync(join(tmpdir(), "tconv-typedoc-"));
  try {
    const out = join(dir, "api.json");
    execFileSync(process.execPath, [resolve("node_modules/typedoc/bin/typedoc"), "--json", out, "--logLevel", "Error"], { stdio: ["ignore", "pipe", "pipe"] });
    const project = JSON.parse(readFileSync(out, "utf8")) as Reflection;
    const modules = new Map((project.children ?? []).map((m) => [m.name, new Set((m.children ?? []).map((c) => c.name))]));
    for (const [module, dts] of [
      ["index", "dist/index.d.ts"],
      ["onnx", "dist/onnx/index.d.ts"],
      ["node", "dist/node/index.d.ts"],
    ] as const) {
      const documented = modules.get(module);
      assert.ok(documented, `no module ${module} in the reference (have ${[...modules.keys()].join(", ")})`);
      const names = exportsOf(dts);
      assert.ok(names.length > 10 || module !== "index", `${dts}: only ${names.length} exports`);
      assert.deepEqual(
        names.filter((n) => !documented.has(n)),
        [],
        `exports of ${dts} missing from the reference`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
