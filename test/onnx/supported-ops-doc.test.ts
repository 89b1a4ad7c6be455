// docs/guide-onnx.md's "Supported operators" tables against the importer's and the exporter's own tables, so the list cannot drift.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { SUPPORTED_OPS } from "../../src/onnx/import-ops.js";
import { WRITERS } from "../../src/onnx/export.js";
import { ONNX_ELEMENTWISE } from "../../src/params/elementwise-names.js";

const guide = readFileSync(new URL("../../docs/guide-onnx.md", import.meta.url), "utf8");

/** The rows of the first table after `heading`, as cells. */
function tableAfter(heading: string): string[][] {
  const at = guide.indexOf(`\n${heading}\n`);
  assert.ok(at >= 0, `docs/guide-onnx.md has a "${heading}" heading`);
  const lines = guide.slice(at).split("\n");
  const first = lines.findIndex((l) => l.startsWith("|"));
  const rows: string[][] = [];
  for (let i = first + 2; i < lines.length && lines[i]!.startsWith("|"); i++)
    rows.push(
      lines[i]!.split("|")
        .slice(1, -1)
        .map((c) => c.trim()),
    );
  return rows;
}

/** The `code` names of a cell, leaving out those inside parentheses (remarks such as "(`np.pad` reflect)"). */
const names = (cell: string): string[] => [...cell.replace(/\([^)]*\)/g, "").matchAll(/`([^`]+)`/g)].map((m) => m[1]!);

function noRepeats(list: readonly string[], what: string): Set<string> {
  const seen = new Set<string>();
  for (const n of list) {
    assert.ok(!seen.has(n), `${what}: ${n} is listed twice`);
    seen.add(n);
  }
  return seen;
}

const sorted = (s: Iterable<string>) => [...s].sort();

test("the guide's imported-operator table lists exactly the ops the importer reads", () => {
  const listed = noRepeats(
    tableAfter("### Imported").flatMap((r) => names(r[0]!)),
    "imported table",
  );
  assert.deepEqual(sorted(listed), sorted(SUPPORTED_OPS));
});

test("the guide's exported-operator table lists every tconv op once, — exactly for the ops without an ONNX form, and exactly the ONNX ops the exporter writes", () => {
  const rows = tableAfter("### Exported");
  const listed = noRepeats(
    rows.flatMap((r) => names(r[0]!)),
    "exported table",
  );
  assert.deepEqual(sorted(listed), sorted(Object.keys(WRITERS)));
  for (const [ops, onnxCell] of rows)
    for (const op of names(ops!)) {
      const refused = typeof WRITERS[op as keyof typeof WRITERS] === "string";
      assert.equal(
        onnxCell === "—",
        refused,
        `${op}: the table says ${onnxCell === "—" ? "no ONNX form" : onnxCell}, the exporter ${refused ? "refuses it" : "writes it"}`,
      );
    }
  // ONNX op types in the exporter: its node-type literals (ONNX names have a lowercase letter; "N", "DCR" and
  // "CRD" are a dim name and DepthToSpace modes) and the node chains of the generated elementwise forms
  const source = readFileSync(new URL("../../src/onnx/export.ts", import.meta.url), "utf8");
  const written = new Set([...source.matchAll(/"([A-Z][A-Za-z]*[a-z][A-Za-z]*)"/g)].map((m) => m[1]!));
  for (const form of Object.values(ONNX_ELEMENTWISE)) if (typeof form !== "string") for (const n of form.nodes) written.add(n);
  // the all-capital ONNX names the exporter writes (the pattern above skips them, with the dim and mode names)
  for (const n of ["LSTM", "GRU"]) if (source.includes(`"${n}"`)) written.add(n);
  const documented = new Set(rows.flatMap((r) => names(r[1]!)));
  assert.deepEqual(sorted(documented), sorted(written));
});
