// npm in this repository: no project config key that npm does not know, and onnxruntime-node's download script stays off.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../..");
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

test("npm prints no 'Unknown project config' warning here (the old .npmrc key onnxruntime-node-install)", () => {
  const r = spawnSync(npm, ["config", "list"], { cwd: ROOT, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /Unknown (project|user|global|env) config/);
});

test("onnxruntime-node's install script (it fetches CUDA files from outside the npm registry) is skipped on npm 11 and older", () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { allowScripts?: Record<string, boolean> };
  assert.equal(pkg.allowScripts?.["onnxruntime-node"], false);
  // npm before 11 ignores allowScripts: the CI script sets the environment variable the install script reads instead
  assert.match(readFileSync(join(ROOT, ".ci", "run"), "utf8"), /^export ONNXRUNTIME_NODE_INSTALL=skip$/m);
});
