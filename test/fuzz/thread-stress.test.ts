// Thread-pool stress: seeded random sequences of setNumThreads / releaseMemory / threadsReady (awaited and left
// pending) between threaded deconvolutions, in a child with a watchdog; every result must equal the first bit for bit.
// The npm-test sample is short; `node scripts/thread-stress.mjs <seed> <steps>` runs longer sequences.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";

test("3: thread pool survives random setNumThreads / releaseMemory sequences (was: a call blocked 60 s, then threw)", () => {
  for (const seed of [1, 2]) {
    const r = spawnSync(process.execPath, ["scripts/thread-stress.mjs", String(seed), "60", "10000"], { encoding: "utf8", timeout: 90000 });
    assert.equal(r.status, 0, `seed ${seed}: ${r.error ? String(r.error) : ""} ${r.stdout} ${r.stderr.slice(-400)}`);
    const out = JSON.parse(r.stdout.trim().split("\n").pop()!) as { ok: boolean; calls: number };
    assert.equal(out.ok, true);
    assert.ok(out.calls >= 60, `seed ${seed}: ${out.calls} calls`);
  }
});
