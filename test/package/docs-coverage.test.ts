// Hover docs: every member of the public namespaces (np, npx, autograd, d2l, init, nn, gluon; onnx from tconv/onnx) and
// every exported function and class of the package entries shows a TSDoc comment when hovered, asked of TypeScript's language service
// over the published declarations (dist/), as an editor asks it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { resolve } from "node:path";
import ts from "typescript";

const NAMESPACES = ["np", "npx", "autograd", "d2l", "onnx", "init", "nn", "gluon"];
const options: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  lib: ["lib.es2022.d.ts", "lib.dom.d.ts"],
  types: [],
};

/** Dotted paths of the public API: entry exports, namespace members, and plain nested namespaces (np.random, npx.image, gluon.loss). */
function publicPaths(dts: string): string[] {
  const program = ts.createProgram([resolve(dts)], options);
  const checker = program.getTypeChecker();
  const entry = program.getSourceFile(resolve(dts));
  assert.ok(entry, `${dts} is missing: build first`);
  const paths: string[] = [];
  const walk = (prefix: string, type: ts.Type, depth: number) => {
    for (const p of checker.getPropertiesOfType(type)) {
      if (p.getName() === "prototype") continue;
      const name = `${prefix}.${p.getName()}`;
      paths.push(name);
      const target = p.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(p) : p;
      const decl = target.valueDeclaration;
      if (depth < 2 && decl && (ts.isPropertySignature(decl) || ts.isVariableDeclaration(decl)) && decl.type && ts.isTypeLiteralNode(decl.type))
        walk(name, checker.getTypeOfSymbolAtLocation(target, decl), depth + 1);
    }
  };
  for (const exp of checker.getExportsOfModule(checker.getSymbolAtLocation(entry)!)) {
    const s = exp.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exp) : exp;
    const name = exp.getName();
    if (NAMESPACES.includes(name)) {
      paths.push(name);
      const isModule = !!(s.flags & ts.SymbolFlags.ValueModule);
      const type = isModule ? checker.getTypeOfSymbol(s) : checker.getTypeOfSymbolAtLocation(s, s.valueDeclaration!);
      walk(name, type, 0);
    } else if (s.flags & (ts.SymbolFlags.Function | ts.SymbolFlags.Class | ts.SymbolFlags.Variable)) paths.push(name);
  }
  return paths;
}

/** The paths whose hover shows no documentation. */
function undocumented(paths: string[], onnxPaths: string[]): string[] {
  const file = resolve("dist/__hover_probe__.ts");
  const names = [...new Set(paths.map((p) => p.split(".")[0]!))];
  const onnxNames = [...new Set(onnxPaths.map((p) => p.split(".")[0]!))];
  const lines = [...paths, ...onnxPaths].map((p) => `${p};`);
  const text = `import { ${names.join(", ")} } from "./index.js";\nimport { ${onnxNames.join(", ")} } from "./onnx/index.js";\n${lines.join("\n")}\n`;
  const host: ts.LanguageServiceHost = {
    getScriptFileNames: () => [file],
    getScriptVersion: () => "1",
    getScriptSnapshot: (f) =>
      f === file ? ts.ScriptSnapshot.fromString(text) : ts.sys.fileExists(f) ? ts.ScriptSnapshot.fromString(ts.sys.readFile(f)!) : undefined,
    getCurrentDirectory: () => resolve("."),
    getCompilationSettings: () => options,
    getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
    fileExists: (f) => f === file || ts.sys.fileExists(f),
    readFile: (f) => (f === file ? text : ts.sys.readFile(f)),
  };
  const service = ts.createLanguageService(host);
  const missing: string[] = [];
  // np, npx, nn, rnn, gluon, gluon.nn and gluon.rnn are ES module namespaces (`export * as nn`): TypeScript shows no
  // docs for the namespace itself, only for its members, which are checked
  const moduleNamespaces = new Set(["np", "npx", "nn", "rnn", "gluon", "gluon.nn", "gluon.rnn"]);
  let at = text.indexOf("\n", text.indexOf("\n") + 1) + 1;
  for (const line of lines) {
    const q = service.getQuickInfoAtPosition(file, at + line.length - 2); // the last name of the path
    if (ts.displayPartsToString(q?.documentation ?? []).trim() === "" && !moduleNamespaces.has(line.slice(0, -1))) missing.push(line.slice(0, -1));
    at += line.length + 1;
  }
  return missing;
}

test("every public namespace member and exported function or class shows hover docs", () => {
  const paths = publicPaths("dist/index.d.ts");
  const onnxPaths = publicPaths("dist/onnx/index.d.ts");
  for (const p of [
    "npx.deconvolution",
    "np.random.uniform",
    "nn.Conv2DTranspose",
    "autograd.record",
    "gluon.loss.L2Loss",
    "gluon.metric.Accuracy",
    "gluon.contrib.estimator.Estimator",
    "gluon.contrib.estimator.LoggingHandler",
  ])
    assert.ok(paths.includes(p), `${p} was not enumerated`);
  for (const p of ["onnx.importToGluon", "OnnxBlock"]) assert.ok(onnxPaths.includes(p), `${p} was not enumerated`);
  assert.deepEqual(undocumented(paths, onnxPaths), []);
});
