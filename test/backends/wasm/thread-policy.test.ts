// The default thread policy: driven with chosen timings (a clock the test sets), and in force only without setNumThreads(n).
import { test } from "node:test";
import assert from "node:assert/strict";
import { ThreadPolicy } from "../../../src/backends/wasm/thread-policy.js";
import { hooks } from "../../../src/backends/hooks.js";
import { getNumThreads, np, npx, setNumThreads, threadsReady } from "../../../src/index.js";
import { hardwareThreads } from "../../../src/backends/wasm/pool.js";

/** A policy on a fake clock: `call(msOne, msPool)` asks it for a call, then lets the chosen arm take its time. */
function driven() {
  let t = 0;
  const p = new ThreadPolicy(() => t);
  const counts = { one: 0, pool: 0, ms: 0 };
  const call = (msOne: number, msPool: number, kind = "gemm", macs = 1 << 24) => {
    const threads = p.choose(kind, macs, 2);
    const ms = threads === 1 ? msOne : msPool;
    t += ms;
    counts.ms += ms;
    if (threads === 1) counts.one++;
    else counts.pool++;
    p.settle();
    return threads;
  };
  return { p, call, counts };
}

test("where the pool is 3× slower (a busy machine), the policy runs on 1 thread after its warm-up and pays under 4 % for exploring", () => {
  const { call, counts } = driven();
  for (let i = 0; i < 8; i++) call(10, 30); // warm-up: a cold call, then 3 samples, of each arm
  counts.one = counts.pool = counts.ms = 0;
  for (let i = 0; i < 2560; i++) call(10, 30);
  assert.ok(counts.pool <= 41, `pool chosen ${counts.pool} times in 2560 calls`);
  assert.ok(counts.ms <= 1.04 * 2560 * 10, `total ${counts.ms} ms against ${2560 * 10} ms on 1 thread`);
});

test("where the pool is 1.8× faster, the policy runs on the pool after its warm-up", () => {
  const { call, counts } = driven();
  for (let i = 0; i < 8; i++) call(18, 10);
  counts.one = counts.pool = 0;
  for (let i = 0; i < 1000; i++) call(18, 10);
  assert.ok(counts.one <= 16, `1 thread chosen ${counts.one} times in 1000 calls (an exploration every 64)`);
});

test("when the load goes away, exploring finds that the pool pays again within 1000 calls", () => {
  const { call } = driven();
  for (let i = 0; i < 300; i++) call(10, 30);
  let switchedAt = -1;
  for (let i = 0; i < 1000 && switchedAt < 0; i++) {
    // the last 20 calls all on the pool means the policy has switched
    if (call(10, 5) === 2) {
      let all = true;
      for (let k = 0; k < 20; k++) all &&= call(10, 5) === 2;
      if (all) switchedAt = i;
    }
  }
  assert.ok(switchedAt >= 0, "still on 1 thread after 1000 calls where the pool is 2× faster");
});

test("when the arm in use slows down by a quarter (the load changed), the other arm is tried after two such calls and taken if faster", () => {
  const { call, counts } = driven();
  for (let i = 0; i < 100; i++) call(10, 30); // 1 thread wins
  counts.one = counts.pool = 0;
  for (let i = 0; i < 12; i++) call(40, 30); // now 1 thread takes 40 ms, the pool 30
  for (let i = 0; i < 20; i++) call(40, 30);
  assert.ok(counts.pool >= 20, `pool chosen ${counts.pool} of 32 calls after the change`);
});

test("single slow calls (a noisy VM) trigger no rechecks: with the pool 30 % faster and every 4th pool call 30 % slow, 1 thread runs only when explored", () => {
  const { call, counts } = driven();
  let k = 0;
  const poolMs = () => (++k % 4 === 0 ? 30 : 23);
  for (let i = 0; i < 40; i++) call(33, poolMs());
  counts.one = counts.pool = counts.ms = 0;
  for (let i = 0; i < 640; i++) call(33, poolMs());
  // an exploration every 32 calls (the arms are 1.43× apart) is 20 one-thread calls
  assert.ok(counts.one <= 24, `1 thread chosen ${counts.one} times in 640 calls`);
});

test("after a load change the other arm's stale estimate is replaced: 1 thread 10 → 25 ms, the pool 30 → 20 ms, the pool is taken within a few calls", () => {
  const { call, counts } = driven();
  for (let i = 0; i < 200; i++) call(10, 30);
  counts.one = counts.pool = 0;
  for (let i = 0; i < 30; i++) call(25, 20);
  assert.ok(counts.pool >= 24, `pool chosen ${counts.pool} of 30 calls after the change`);
});

test("an arm's first call (cold workers) is not counted: one slow first pool call does not keep the policy off the pool", () => {
  const { call, counts } = driven();
  call(10, 200); // the pool's cold first call
  for (let i = 0; i < 9; i++) call(10, 5);
  counts.one = counts.pool = 0;
  for (let i = 0; i < 100; i++) call(10, 5);
  assert.ok(counts.pool >= 97, `pool chosen ${counts.pool} of 100 times`);
});

test("the pool has to win by 5 %: with the arms 3 % apart the policy stays on 1 thread, 10 % apart it takes the pool", () => {
  for (const [poolMs, want] of [
    [9.7, 1],
    [9.0, 2],
  ] as const) {
    const { call, counts } = driven();
    for (let i = 0; i < 8; i++) call(10, poolMs);
    counts.one = counts.pool = 0;
    for (let i = 0; i < 100; i++) call(10, poolMs);
    assert.ok((want === 1 ? counts.one : counts.pool) >= 90, `pool at ${poolMs} ms against 10: ${JSON.stringify(counts)}`);
  }
});

test("calls of another kind or another size (half an octave of multiply-adds) are measured apart", () => {
  const { call } = driven();
  for (let i = 0; i < 20; i++) call(10, 30, "gemm", 1 << 24); // the pool loses on large GEMMs here …
  for (let i = 0; i < 20; i++) call(10, 5, "col2im", 1 << 24); // … and wins on col2im of the same size
  for (let i = 0; i < 20; i++) call(10, 5, "gemm", 1 << 20); // … and on small GEMMs
  assert.equal(call(10, 30, "gemm", 1 << 24), 1);
  assert.equal(call(10, 5, "col2im", 1 << 24), 2);
  assert.equal(call(10, 5, "gemm", 1 << 20), 2);
});

test('the policy decides only under the default ("auto"); setNumThreads(n) splits every large call n ways', async () => {
  if (hardwareThreads() < 2) return; // one hardware thread: nothing to decide
  const x = np.random.uniform({ size: [4, 64, 16, 16] });
  const w = np.random.uniform({ size: [64, 32, 4, 4] });
  const choices = new Set<string>();
  setNumThreads("auto");
  assert.equal(getNumThreads(), hardwareThreads());
  await threadsReady();
  for (let i = 0; i < 8; i++) {
    hooks.lastPolicyChoice = "";
    npx.deconvolution(x, w, { strides: 2, padding: 1 });
    choices.add(hooks.lastPolicyChoice);
  }
  assert.deepEqual([...choices].sort(), ["one", "pool"], "the warm-up tries both arms");
  setNumThreads(2);
  hooks.lastPolicyChoice = "";
  npx.deconvolution(x, w, { strides: 2, padding: 1 });
  assert.equal(hooks.lastPolicyChoice, "", "a fixed thread count bypasses the policy");
  assert.equal(hooks.lastTaskCounts.length, 2, "and runs on both threads");
  setNumThreads("auto");
});
