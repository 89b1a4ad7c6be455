// The onnx-finetune demo in quick mode: import the PyTorch ESPCN, fine-tune 8 steps, export, run in onnxruntime.
import { test } from "node:test";
import assert from "node:assert/strict";

test("onnxFinetune (quick): the loss falls, the exported model runs in onnxruntime and agrees with tconv", async () => {
  const lib = (await import("tconv/onnx")) as Record<string, unknown>;
  assert.ok("onnx" in lib, "dist/ is stale or missing: run `npm run build` first (npm test does)");
  const { onnxFinetune } = await import("../../examples/onnx-finetune.js");
  const r = await onnxFinetune({ steps: 8, quiet: true });
  assert.deepEqual(r.params, ["c1.weight", "c1.bias", "c2.weight", "c2.bias", "c3.weight", "c3.bias"]);
  assert.ok(r.lossEnd < r.lossStart / 2, `loss ${r.lossStart} → ${r.lossEnd}`);
  assert.ok(r.maxDiffOrt < 1e-5, `onnxruntime vs tconv: ${r.maxDiffOrt}`);
});
