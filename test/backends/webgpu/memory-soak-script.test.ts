// scripts/gpu-memory-soak.mjs (the 10,000-step GPU memory soak, too long for npm test) still runs: a 200-step run of
// it reports flat live buffers and an emptied pool. Uses the built dist/ (npm test builds first).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

test("scripts/gpu-memory-soak.mjs --steps 200 runs the soak's training loop on gpu(0) and finds the live buffers flat", (t) => {
  const r = spawnSync(process.execPath, [join(ROOT, "scripts", "gpu-memory-soak.mjs"), "--steps", "200", "--every", "50"], { encoding: "utf8", cwd: ROOT });
  if (r.status === 2) {
    console.log(`# soak script test skipped: ${r.stdout.trim()}`);
    t.skip(r.stdout.trim());
    return;
  }
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /^adapter: /m);
  assert.match(r.stdout, /^200 steps in [\d.]+ s/m);
  assert.match(r.stdout, /^flat: live buffers \d+ → \d+/m);
  assert.match(r.stdout, /^releaseMemory emptied the pool$/m);
});
