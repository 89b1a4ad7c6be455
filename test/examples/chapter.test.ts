// The chapter script prints the book's nine outputs, in order, exactly as D2L §12.10 shows them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

test("npm start prints the nine outputs of D2L §12.10 exactly as the book", () => {
  const book = readFileSync(new URL("../fixtures/d2l-12.10-outputs.txt", import.meta.url), "utf8")
    .trim()
    .split("\n\n");
  const run = spawnSync(process.execPath, ["--import", "tsx", "examples/chapter.ts"], { encoding: "utf8", env: { ...process.env, FORCE_COLOR: "0" } });
  assert.equal(run.status, 0, run.stderr);
  // outputs are the unindented lines that are not cell titles (code is indented, titles start with ##)
  const lines = run.stdout.split("\n");
  const outputs: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.startsWith("array(") || l === "True" || l === "False") {
      const block = [l];
      while (!block[block.length - 1]!.endsWith(")") && block[0] !== "True" && block[0] !== "False") block.push(lines[++i]!);
      outputs.push(block.join("\n"));
    }
  }
  assert.equal(outputs.length, 9);
  assert.deepEqual(outputs, book);
});
