// Thread-pool stress: a seeded random sequence of setNumThreads / releaseMemory / threadsReady between float32
// deconvolutions that take the threaded wasm path, each result checked against the first one. Prints one JSON line.
// Usage: node scripts/thread-stress.mjs <seed> <steps> [callTimeoutMs]   (needs a built dist/)
import { np, npx, setNumThreads, releaseMemory, maxThreads, threadsReady } from "../dist/index.js";

const [seed = 1, steps = 200, callMs = 10000] = process.argv.slice(2).map(Number);
let s = seed >>> 0 || 1;
const rand = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32; // LCG: repeatable per seed
np.random.seed(seed);
// 32 → 32 channels, 3×3, stride 2 on 24×24: ~1.2 M multiply-adds, enough for several pool tasks
const x = np.random.uniform({ size: [2, 32, 24, 24] }),
  w = np.random.uniform({ size: [32, 32, 3, 3] });
const want = npx.deconvolution(x, w, { strides: 2 }).asTypedArray().slice();
const max = maxThreads();
const log = [];
let calls = 0,
  slowest = 0;
const pending = [];
for (let i = 0; i < steps; i++) {
  const r = rand();
  if (r < 0.45) {
    const n = 1 + Math.floor(rand() * max);
    setNumThreads(n);
    log.push(`t${n}`);
  } else if (r < 0.55) {
    releaseMemory();
    log.push("rel");
  } else if (r < 0.62) {
    await threadsReady();
    log.push("ready");
  }
  // threadsReady() left pending while later steps change the pool under it, awaited a few steps on
  else if (r < 0.7) {
    pending.push(threadsReady());
    log.push("pending");
  }
  if (pending.length > 2 || (pending.length > 0 && rand() < 0.2)) {
    const t0 = Date.now();
    try {
      await pending.shift();
    } catch (e) {
      console.log(JSON.stringify({ ok: false, seed, step: i, calls, error: `threadsReady: ${e.message}`, ms: Date.now() - t0, tail: log.slice(-12) }));
      process.exit(1);
    }
  }
  // a few back-to-back calls after each change, the same inputs every time
  const k = 1 + Math.floor(rand() * 3);
  for (let j = 0; j < k; j++) {
    const t0 = Date.now();
    let got;
    try {
      got = npx.deconvolution(x, w, { strides: 2 }).asTypedArray();
    } catch (e) {
      console.log(JSON.stringify({ ok: false, seed, step: i, calls, ms: Date.now() - t0, error: String(e.message), tail: log.slice(-12) }));
      process.exit(1);
    }
    const ms = Date.now() - t0;
    slowest = Math.max(slowest, ms);
    calls++;
    let bad = -1;
    for (let e = 0; e < want.length; e++)
      if (got[e] !== want[e]) {
        bad = e;
        break;
      }
    if (bad >= 0 || ms > callMs) {
      console.log(JSON.stringify({ ok: false, seed, step: i, calls, ms, bad, tail: log.slice(-12) }));
      process.exit(1);
    }
  }
  // let started workers report in now and then, as a program's awaits would
  if (rand() < 0.3) await new Promise((res) => setTimeout(res, Math.floor(rand() * 20)));
}
await Promise.all(pending);
console.log(JSON.stringify({ ok: true, seed, steps, calls, slowestMs: slowest }));
