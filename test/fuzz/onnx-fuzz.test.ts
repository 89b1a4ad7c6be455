// ONNX mutation fuzz: seeded mutations of the committed small models, imported and run by tconv in child processes
// with a heap cap and a watchdog, with onnxruntime-node as the oracle. The npm-test sample is 2 seeds × 1,000 models;
// `node scripts/onnx-fuzz.mjs <seed> <models>` runs longer sweeps.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";

test("1: ONNX mutation fuzz: 0 aborts, 0 hangs, 0 unclear errors, 0 wrong values, 0 accepted-invalid models vs onnxruntime", () => {
  for (const seed of [1, 4]) {
    const r = spawnSync(process.execPath, ["scripts/onnx-fuzz.mjs", String(seed), "1000", "250", "60000"], {
      encoding: "utf8",
      timeout: 300000,
      maxBuffer: 1 << 26,
    });
    assert.equal(r.status, 0, `seed ${seed}: ${r.error ? String(r.error) : ""} ${r.stderr.slice(-400)}`);
    const out = JSON.parse(r.stdout.trim().split("\n").pop()!) as Record<string, number> & { examples: unknown[] };
    const detail = `seed ${seed}: ${JSON.stringify(out).slice(0, 1500)}`;
    assert.ok(out.models! >= 990, detail); // a few mutations protobuf cannot encode are skipped
    for (const k of ["aborts", "hangs", "unclearErrors", "wrongValues", "acceptedInvalid"]) assert.equal(out[k], 0, `${k}: ${detail}`);
    // the sample exercises both verdicts: models tconv runs (and matches) and models both refuse
    assert.ok(out.tconvRuns! > 100 && out.clearErrors! > 500, detail);
  }
});
