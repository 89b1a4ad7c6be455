// The published declarations (dist/**/*.d.ts) name no `any`: every public signature is typed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

function declarationFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? declarationFiles(p) : p.endsWith(".d.ts") ? [p] : [];
  });
}

/** The code of a declaration file without its comments and string literals (where "any" is just a word). */
function code(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/\/\/.*$/gm, "")
    .replace(/"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`/g, '""');
}

test("no `any` in the published declarations", () => {
  const files = declarationFiles("dist");
  assert.ok(files.length >= 40, `only ${files.length} declaration files: build dist/ first`);
  const hits: string[] = [];
  for (const f of files)
    code(readFileSync(f, "utf8"))
      .split("\n")
      .forEach((line, i) => {
        if (/\bany\b/.test(line)) hits.push(`${f}:${i + 1}: ${line.trim()}`);
      });
  assert.deepEqual(hits, []);
});

test("the any-check finds `any` in a signature but not in comments or strings", () => {
  assert.match(code("forward(x: any): NDArray;"), /\bany\b/);
  assert.doesNotMatch(code('/** any value */\nf(x: "any"): void; // any'), /\bany\b/);
});
