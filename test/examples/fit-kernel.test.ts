// The fit-kernel demo, short: imports its fitKernel (which uses the built package "tconv" → dist/; npm test builds first).
import { test } from "node:test";
import assert from "node:assert/strict";

test("fitKernel recovers the transposed-conv kernel: loss falls ≥ 100× in 60 steps", async () => {
  const lib = (await import("tconv")) as Record<string, unknown>;
  assert.ok("autograd" in lib && "Trainer" in (lib.gluon as object), "dist/ is stale or missing: run `npm run build` first (npm test does)");
  const { fitKernel } = await import("../../examples/fit-kernel.js");
  const r = fitKernel({ steps: 60, seed: 1, quiet: true });
  assert.ok(r.lossEnd * 100 <= r.lossStart, `loss ${r.lossStart} → ${r.lossEnd}`);
  assert.ok(r.seconds < 30, `took ${r.seconds} s`);
  const sgd = fitKernel({ steps: 60, seed: 1, quiet: true, optimizer: "sgd" });
  assert.ok(sgd.lossEnd * 100 <= sgd.lossStart, `sgd loss ${sgd.lossStart} → ${sgd.lossEnd}`);
});

test("fitKernel validates steps", async () => {
  const { fitKernel } = await import("../../examples/fit-kernel.js");
  assert.throws(() => fitKernel({ steps: 0 }), /fitKernel: steps=0 must be an integer >= 1/);
});
