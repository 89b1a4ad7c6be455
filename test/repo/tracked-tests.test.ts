// Every test file under test/ is tracked by git: an ignore rule once hid a test that two commit messages described.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../..");

function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? testFiles(p) : p.endsWith(".test.ts") ? [relative(ROOT, p)] : [];
  });
}

test("every *.test.ts under test/ is tracked by git and none is ignored", (t) => {
  if (!existsSync(join(ROOT, ".git"))) {
    t.skip("not a git checkout (an unpacked tarball): nothing to compare with");
    return;
  }
  const tracked = new Set(execFileSync("git", ["ls-files", "test"], { cwd: ROOT, encoding: "utf8" }).split("\n").filter(Boolean));
  const untracked = testFiles(join(ROOT, "test")).filter((f) => !tracked.has(f));
  assert.deepEqual(untracked, [], "add these with git add (and check .gitignore does not hide them)");
});
