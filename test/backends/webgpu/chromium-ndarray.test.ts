// NDArrays and Gluon layers on gpu(0) in Chromium (navigator.gpu on a page served from 127.0.0.1): D2L's example and a
// Conv2D → Conv2DTranspose network's loss and gradients against the same network on the page's CPU backend.
// Skipped only when no Chromium is installed, or when the page's WebGPU finds no adapter (the reason is printed).
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { SKIP, nodeStubs, runGpuPage } from "../../helpers/chromium.js";
import type { NdPageResult } from "./chromium-ndarray-entry.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
test("np arrays and Gluon layers on gpu(0) in Chromium: D2L's Conv2DTranspose outputs, reads before wait throw, loss and gradients equal the CPU", {
  skip: SKIP,
  timeout: 300_000,
}, async (t: TestContext) => {
  const { result: r, errors } = await runGpuPage<NdPageResult>(
    join(ROOT, "test", "backends", "webgpu", "chromium-ndarray-entry.ts"),
    [nodeStubs],
    "runNdChecks",
  );
  if (r.gpus === 0) {
    console.log(`# chromium webgpu ndarray test skipped: ${r.reason}`);
    t.skip(`no WebGPU adapter in Chromium: ${r.reason}`);
    return;
  }
  // the book's printed outputs (D2L 12.10, MXNet)
  assert.deepEqual(r.book, [
    [
      [
        [
          [0, 0, 1],
          [0, 4, 6],
          [4, 12, 9],
        ],
      ],
    ],
    [[[[4]]]],
    [
      [
        [
          [0, 0, 0, 1],
          [0, 0, 2, 3],
          [0, 2, 0, 3],
          [4, 6, 6, 9],
        ],
      ],
    ],
  ]);
  assert.match(r.readBeforeWait!, /await x\.wait\(\)/);
  assert.equal(r.pairs!.length, 5, "loss and four parameter gradients");
  for (const [what, got, want] of r.pairs!) {
    assert.equal(got.length, want.length, what);
    want.forEach((w, i) => assert.ok(Math.abs(got[i]! - w) <= 1e-3 + 1e-4 * Math.abs(w), `${what}: element ${i} is ${got[i]} on the GPU and ${w} on the CPU`));
  }
  if (errors.length > 0) throw new Error(`page errors: ${errors.join("; ")}`);
});
