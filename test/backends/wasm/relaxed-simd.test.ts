// Both wasm builds pass the same property tests: this reruns the GEMM, Winograd, dispatch and unshared-memory tests in a Node
// started with --experimental-wasm-relaxed-simd (the plain run of npm test covers SIMD128 on Node 20; on an engine
// with relaxed SIMD by default the plain run covers that build and this one repeats it).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const FILES = [
  "test/backends/wasm/gemm.test.ts",
  "test/backends/wasm/winograd.test.ts",
  "test/backends/wasm/unshared-memory.test.ts",
  "test/backends/dispatch.test.ts",
];

test("the relaxed-SIMD build passes the GEMM, Winograd, dispatch and unshared-memory property tests", { timeout: 600_000 }, () => {
  // without NODE_TEST_CONTEXT the child is a test run of its own, not a subtest stream of this one
  const env: NodeJS.ProcessEnv = { ...process.env, TCONV_EXPECT_WASM_BUILD: "relaxed-simd" };
  delete env.NODE_TEST_CONTEXT;
  // the kernels' correctness tests only (dispatch.test.ts also times the book's 2×2 call, which says nothing of the build)
  const only = ["--test-name-pattern", "GEMM|geometries|threads|wasm memory|worker|relaxed-SIMD|shared memory|forced|winograd"];
  const r = spawnSync(
    process.execPath,
    [
      "--experimental-wasm-relaxed-simd",
      "--import",
      "tsx",
      "--import",
      "./test/helpers/fast-check-seed.ts",
      "--test",
      "--test-reporter=tap",
      ...only,
      ...FILES.map((f) => join(ROOT, f)),
    ],
    {
      cwd: ROOT,
      encoding: "utf8",
      env,
    },
  );
  assert.equal(r.status, 0, `relaxed-SIMD run failed:\n${r.stdout}\n${r.stderr}`);
  const pass = Number(/^# pass (\d+)$/m.exec(r.stdout)?.[1] ?? 0);
  const fail = Number(/^# fail (\d+)$/m.exec(r.stdout)?.[1] ?? -1);
  assert.ok(pass >= 10 && fail === 0, `expected the four files' tests to pass, got pass ${pass} fail ${fail}:\n${r.stdout.slice(-2000)}`);
});
