// npm in this repository: no project config key that npm does not know, and onnxruntime-node's download script stays off.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../..");
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

test("npm prints no 'Unknown project config' warning here (the .npmrc key onnxruntime-node-install is silenced)", () => {
  const r = spawnSync(npm, ["config", "list"], { cwd: ROOT, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /Unknown (project|user|global|env) config/);
});

test("onnxruntime-node's install script (it fetches CUDA files from outside the npm registry) is skipped on npm 11 and older", () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { allowScripts?: Record<string, boolean> };
  assert.equal(pkg.allowScripts?.["onnxruntime-node"], false);
  // npm before 11 ignores allowScripts: the project's .npmrc sets the key the install script reads (as
  // npm_config_onnxruntime_node_install), and the CI script the environment variable as well
  assert.match(readFileSync(join(ROOT, ".npmrc"), "utf8"), /^onnxruntime-node-install=skip$/m);
  assert.match(readFileSync(join(ROOT, ".ci", "run"), "utf8"), /^export ONNXRUNTIME_NODE_INSTALL=skip$/m);
});
